package com.infosysta.gateway.resilience;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Per-tenant isolation: circuit breakers, retries and the cool-down after Jira's 429.
 *
 * @param breaker the circuit breaker of each tenant and app backend
 * @param coolDown the cool-down after Jira answers 429
 * @param retry the one retry of an idempotent call whose connection failed
 */
@ConfigurationProperties("infosysta.gateway")
public record ResilienceProperties(@DefaultValue Breaker breaker, @DefaultValue CoolDown coolDown,
		@DefaultValue Retry retry) {

	/**
	 * @param window calls in the sliding window
	 * @param minimumCalls calls before a failure rate is computed
	 * @param failureRate percentage of failures that opens the breaker
	 * @param open how long the breaker stays open before one probe is let through
	 * @param failOn5xx whether a 5xx answer of the upstream counts as a failure (connect errors and timeouts always do)
	 */
	public record Breaker(@DefaultValue("50") int window, @DefaultValue("20") int minimumCalls,
			@DefaultValue("50") float failureRate, @DefaultValue("30s") Duration open,
			@DefaultValue("true") boolean failOn5xx) {

		public Breaker {
			String prefix = "infosysta.gateway.breaker.";
			if (window < 1 || minimumCalls < 1 || minimumCalls > window) {
				throw new IllegalArgumentException(prefix + "window: " + window + ", minimum-calls: " + minimumCalls
						+ " (expected: 1 <= minimum-calls <= window)");
			}
			if (!(failureRate > 0) || failureRate > 100) {
				throw new IllegalArgumentException(prefix + "failure-rate: " + failureRate
						+ " (expected: 0 < rate <= 100)");
			}
			if (open == null || open.isNegative() || open.isZero()) {
				throw new IllegalArgumentException(prefix + "open: " + open + " (expected: > 0)");
			}
		}

	}

	/** @param max the longest cool-down after Jira's 429, whatever Jira asks */
	public record CoolDown(@DefaultValue("60s") Duration max) {

		public CoolDown {
			if (max == null || max.isNegative()) {
				throw new IllegalArgumentException("infosysta.gateway.cool-down.max: " + max + " (expected: >= 0)");
			}
		}

	}

	/**
	 * @param enabled whether idempotent calls are retried once when the connection could not be opened
	 * @param budget the share of recent calls that may be retries (0.1 = one retry per ten calls)
	 */
	public record Retry(@DefaultValue("true") boolean enabled, @DefaultValue("0.1") double budget) {

		public Retry {
			if (!(budget >= 0) || budget > 1) {
				throw new IllegalArgumentException("infosysta.gateway.retry.budget: " + budget + " (expected: 0 to 1)");
			}
		}

	}

}
