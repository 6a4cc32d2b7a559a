package com.infosysta.gateway.upstream;

import java.net.InetSocketAddress;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.netty.resources.ConnectionPoolMetrics;

import static org.assertj.core.api.Assertions.assertThat;

final class PoolMetersTest {

	private static final InetSocketAddress ACME = InetSocketAddress.createUnresolved("jira.acme.example", 443);

	private static final InetSocketAddress BETA = InetSocketAddress.createUnresolved("jira.beta.example", 443);

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final PoolMeters meters = new PoolMeters(this.registry);

	@Test
	void startsWithNoPoolsAndNoConnections() {
		assertThat(pools()).isZero();
		assertThat(connections("active")).isZero();
		assertThat(connections("idle")).isZero();
		assertThat(connections("pending")).isZero();
	}

	@Test
	void sumsEveryRegisteredPoolAndForgetsDeregisteredOnes() {
		FakePool acme = new FakePool(3, 2, 1);
		FakePool beta = new FakePool(5, 0, 4);

		this.meters.registerMetrics("upstream", "pool-1", ACME, acme);
		this.meters.registerMetrics("upstream", "pool-1", BETA, beta);

		assertThat(pools()).isEqualTo(2);
		assertThat(connections("active")).isEqualTo(8);
		assertThat(connections("idle")).isEqualTo(2);
		assertThat(connections("pending")).isEqualTo(5);

		this.meters.deRegisterMetrics("upstream", "pool-1", ACME);

		assertThat(pools()).isEqualTo(1);
		assertThat(connections("active")).isEqualTo(5);
		assertThat(connections("idle")).isZero();
		assertThat(connections("pending")).isEqualTo(4);
	}

	@Test
	void gaugesFollowThePoolsLiveState() {
		FakePool acme = new FakePool(1, 0, 0);
		this.meters.registerMetrics("upstream", "pool-1", ACME, acme);

		acme.acquired = 7;
		acme.idle = 3;
		acme.pending = 2;

		assertThat(connections("active")).isEqualTo(7);
		assertThat(connections("idle")).isEqualTo(3);
		assertThat(connections("pending")).isEqualTo(2);
	}

	@Test
	void sameAddressInTwoProvidersIsTwoPools() {
		this.meters.registerMetrics("upstream", "pool-1", ACME, new FakePool(1, 1, 0));
		this.meters.registerMetrics("tenant-ca", "pool-2", ACME, new FakePool(2, 0, 0));

		assertThat(pools()).isEqualTo(2);
		assertThat(connections("active")).isEqualTo(3);

		this.meters.deRegisterMetrics("tenant-ca", "pool-2", ACME);
		this.meters.deRegisterMetrics("upstream", "pool-1", BETA);

		assertThat(pools()).isEqualTo(1);
		assertThat(connections("active")).isEqualTo(1);
	}

	@Test
	void reRegisteringTheSamePoolReplacesItInsteadOfCountingItTwice() {
		this.meters.registerMetrics("upstream", "pool-1", ACME, new FakePool(4, 0, 0));
		this.meters.registerMetrics("upstream", "pool-1", ACME, new FakePool(6, 0, 0));

		assertThat(pools()).isEqualTo(1);
		assertThat(connections("active")).isEqualTo(6);
	}

	@Test
	void noAddressOrPoolNameBecomesATag() {
		this.meters.registerMetrics("upstream", "pool-1", ACME, new FakePool(1, 1, 1));
		this.meters.registerMetrics("upstream", "pool-1", BETA, new FakePool(1, 1, 1));

		assertThat(this.registry.getMeters()).hasSize(4);
		assertThat(this.registry.getMeters()).flatExtracting(meter -> meter.getId().getTags())
			.allSatisfy(tag -> assertThat(tag.getKey()).isEqualTo("state"));
		assertThat(this.registry.getMeters()).map(Meter::getId).map(Meter.Id::getName)
			.containsOnly("infosysta.gateway.upstream.connections", "infosysta.gateway.upstream.pools");
	}

	private double connections(String state) {
		return this.registry.get("infosysta.gateway.upstream.connections").tag("state", state).gauge().value();
	}

	private double pools() {
		return this.registry.get("infosysta.gateway.upstream.pools").gauge().value();
	}

	/** A pool's numbers as Reactor Netty reports them; the test sets them. */
	private static final class FakePool implements ConnectionPoolMetrics {

		volatile int acquired;

		volatile int idle;

		volatile int pending;

		FakePool(int acquired, int idle, int pending) {
			this.acquired = acquired;
			this.idle = idle;
			this.pending = pending;
		}

		@Override
		public int acquiredSize() {
			return this.acquired;
		}

		@Override
		public int allocatedSize() {
			return this.acquired + this.idle;
		}

		@Override
		public int idleSize() {
			return this.idle;
		}

		@Override
		public int pendingAcquireSize() {
			return this.pending;
		}

		@Override
		public int maxAllocatedSize() {
			return 100;
		}

		@Override
		public int maxPendingAcquireSize() {
			return 1000;
		}

	}

}
