package com.infosysta.gateway.resilience;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;

/**
 * A circuit breaker and a bulkhead for each upstream: each tenant's Jira, and each app's backend
 * ({@code app:<id>}). Named after registry entries only, never after anything a request chooses, and removed
 * when their tenant leaves the registry, so the registries stay as small as the configuration.
 */
public final class UpstreamIsolation {

	private final CircuitBreakerRegistry breakers;

	private final BulkheadRegistry bulkheads = BulkheadRegistry.ofDefaults();

	private final ConcurrentHashMap<String, Long> openedAt = new ConcurrentHashMap<>();

	private final Duration openDuration;

	private final LongSupplier nanoClock;

	public UpstreamIsolation(ResilienceProperties.Breaker breaker, LongSupplier nanoClock) {
		this.breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
			.slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
			.slidingWindowSize(breaker.window())
			.minimumNumberOfCalls(breaker.minimumCalls())
			.failureRateThreshold(breaker.failureRate())
			.waitDurationInOpenState(breaker.open())
			.permittedNumberOfCallsInHalfOpenState(1)
			.automaticTransitionFromOpenToHalfOpenEnabled(false)
			.build());
		this.openDuration = breaker.open();
		this.nanoClock = nanoClock;
	}

	public CircuitBreakerRegistry breakers() {
		return this.breakers;
	}

	public BulkheadRegistry bulkheads() {
		return this.bulkheads;
	}

	public CircuitBreaker breaker(String name) {
		return this.breakers.find(name).orElseGet(() -> {
			CircuitBreaker created = this.breakers.circuitBreaker(name);
			created.getEventPublisher().onStateTransition(event -> {
				if (event.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
					this.openedAt.put(name, this.nanoClock.getAsLong());
				}
			});
			return created;
		});
	}

	/** A bulkhead of {@code maxInFlight} concurrent calls that never queues. */
	public Bulkhead bulkhead(String name, int maxInFlight) {
		Bulkhead bulkhead = this.bulkheads.find(name).orElseGet(() -> this.bulkheads.bulkhead(name,
				BulkheadConfig.custom().maxConcurrentCalls(maxInFlight).maxWaitDuration(Duration.ZERO).build()));
		if (bulkhead.getBulkheadConfig().getMaxConcurrentCalls() != maxInFlight) {
			// The tenant's plan changed on reload.
			bulkhead.changeConfig(BulkheadConfig.from(bulkhead.getBulkheadConfig())
				.maxConcurrentCalls(maxInFlight)
				.build());
		}
		return bulkhead;
	}

	/** Seconds until the open breaker lets a probe through, at least 1. */
	public long secondsUntilProbe(String name) {
		Long opened = this.openedAt.get(name);
		long remaining = (opened == null) ? this.openDuration.toNanos()
				: this.openDuration.toNanos() - (this.nanoClock.getAsLong() - opened);
		return Math.max(1, (remaining + 999_999_999L) / 1_000_000_000L);
	}

	/** Drops the breakers and bulkheads of upstreams that are no longer configured. */
	public void retainOnly(Set<String> names) {
		for (CircuitBreaker breaker : this.breakers.getAllCircuitBreakers()) {
			if (!names.contains(breaker.getName())) {
				this.breakers.remove(breaker.getName());
				this.openedAt.remove(breaker.getName());
			}
		}
		for (Bulkhead bulkhead : this.bulkheads.getAllBulkheads()) {
			if (!names.contains(bulkhead.getName())) {
				this.bulkheads.remove(bulkhead.getName());
			}
		}
	}

}
