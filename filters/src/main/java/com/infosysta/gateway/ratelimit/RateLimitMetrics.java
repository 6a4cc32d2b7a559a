package com.infosysta.gateway.ratelimit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** Rate-limit decisions by scope and outcome: six series, created once. */
final class RateLimitMetrics {

	private final Counter[] allowed = new Counter[RateLimitStore.Scope.values().length];

	private final Counter[] refused = new Counter[RateLimitStore.Scope.values().length];

	RateLimitMetrics(MeterRegistry meters) {
		for (RateLimitStore.Scope scope : RateLimitStore.Scope.values()) {
			this.allowed[scope.ordinal()] = counter(meters, scope, "allowed");
			this.refused[scope.ordinal()] = counter(meters, scope, "refused");
		}
	}

	private static Counter counter(MeterRegistry meters, RateLimitStore.Scope scope, String outcome) {
		return Counter.builder("infosysta.gateway.ratelimit.decisions")
			.description("Rate-limit decisions by scope and outcome")
			.tag("scope", scope.tag())
			.tag("outcome", outcome)
			.register(meters);
	}

	void allowed(RateLimitStore.Scope scope) {
		this.allowed[scope.ordinal()].increment();
	}

	void refused(RateLimitStore.Scope scope) {
		this.refused[scope.ordinal()].increment();
	}

}
