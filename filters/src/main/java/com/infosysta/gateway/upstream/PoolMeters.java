package com.infosysta.gateway.upstream;

import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToIntFunction;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.netty.resources.ConnectionPoolMetrics;
import reactor.netty.resources.ConnectionProvider;

/**
 * The upstream connection pools' state as a few gauges summed over every upstream host, instead of Reactor
 * Netty's own meters, which carry each remote address as a tag (an address is never a tag here, and the series
 * would grow with the tenants). Per-tenant trouble shows in the request and breaker meters.
 */
public final class PoolMeters implements ConnectionProvider.MeterRegistrar {

	private final Map<String, ConnectionPoolMetrics> pools = new ConcurrentHashMap<>();

	public PoolMeters(MeterRegistry registry) {
		gauge(registry, "active", ConnectionPoolMetrics::acquiredSize);
		gauge(registry, "idle", ConnectionPoolMetrics::idleSize);
		gauge(registry, "pending", ConnectionPoolMetrics::pendingAcquireSize);
		Gauge.builder("infosysta.gateway.upstream.pools", this.pools, Map::size)
			.description("Upstream connection pools (one per upstream host and port)")
			.register(registry);
	}

	private void gauge(MeterRegistry registry, String state, ToIntFunction<ConnectionPoolMetrics> value) {
		Gauge.builder("infosysta.gateway.upstream.connections", this.pools, pools -> sum(pools, value))
			.description("Upstream connections over all pools: active (in use), idle, pending (callers waiting)")
			.tag("state", state)
			.register(registry);
	}

	private static double sum(Map<String, ConnectionPoolMetrics> pools, ToIntFunction<ConnectionPoolMetrics> value) {
		long total = 0;
		for (ConnectionPoolMetrics metrics : pools.values()) {
			total += value.applyAsInt(metrics);
		}
		return total;
	}

	@Override
	public void registerMetrics(String poolName, String id, SocketAddress remoteAddress,
			ConnectionPoolMetrics metrics) {
		this.pools.put(id + "|" + remoteAddress, metrics);
	}

	@Override
	public void deRegisterMetrics(String poolName, String id, SocketAddress remoteAddress) {
		this.pools.remove(id + "|" + remoteAddress);
	}

}
