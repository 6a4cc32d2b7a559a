package com.infosysta.gateway.resilience;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

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

	private final ConcurrentHashMap<String, InFlightLimit> bulkheads = new ConcurrentHashMap<>();

	private final ConcurrentHashMap<String, CircuitBreaker> active = new ConcurrentHashMap<>();

	private final ConcurrentHashMap<String, Long> openedAt = new ConcurrentHashMap<>();

	private final Duration openDuration;

	private final LongSupplier nanoClock;

	private volatile java.util.function.Consumer<InFlightLimit> bulkheadListener = bulkhead -> {
	};

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

	/** Called once for each bulkhead when it is created (to register its gauges). */
	public void onBulkheadCreated(java.util.function.Consumer<InFlightLimit> listener) {
		this.bulkheadListener = listener;
	}

	public CircuitBreakerRegistry breakers() {
		return this.breakers;
	}

	/** The bulkheads by upstream name. */
	public java.util.Map<String, InFlightLimit> bulkheads() {
		return java.util.Collections.unmodifiableMap(this.bulkheads);
	}

	/**
	 * The upstream's breaker, made and given its listener exactly once. Concurrent first calls (a burst to a new
	 * tenant) used to make it together and register the listener twice, contending for Resilience4j's event
	 * lock on two event loops; now the second caller waits for the first one's map entry instead.
	 */
	public CircuitBreaker breaker(String name) {
		CircuitBreaker breaker = this.active.get(name);
		return (breaker != null) ? breaker : this.active.computeIfAbsent(name, this::newBreaker);
	}

	private CircuitBreaker newBreaker(String name) {
		CircuitBreaker created = this.breakers.circuitBreaker(name);
		created.getEventPublisher().onStateTransition(event -> {
			if (event.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
				this.openedAt.put(name, this.nanoClock.getAsLong());
			}
		});
		return created;
	}

	/** A bulkhead of {@code maxInFlight} concurrent calls that never queues; the limit follows the plan. */
	public InFlightLimit bulkhead(String name, int maxInFlight) {
		InFlightLimit bulkhead = this.bulkheads.get(name);
		if (bulkhead == null) {
			bulkhead = this.bulkheads.computeIfAbsent(name, key -> {
				InFlightLimit created = new InFlightLimit(key, maxInFlight);
				this.bulkheadListener.accept(created);
				return created;
			});
		}
		if (bulkhead.maxConcurrentCalls() != maxInFlight) {
			// The tenant's plan changed on reload: calls in flight keep their places, new ones see the new limit.
			bulkhead.changeLimit(maxInFlight);
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
		this.active.keySet().removeIf(name -> !names.contains(name));
		this.bulkheads.keySet().removeIf(name -> !names.contains(name));
	}

}
