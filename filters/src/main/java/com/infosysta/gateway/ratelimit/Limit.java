package com.infosysta.gateway.ratelimit;

/**
 * One token bucket's shape, precomputed for the arithmetic: a token every {@code intervalNanos}, at most
 * {@code burst} at once. Built from a plan when the registry loads, never per request.
 *
 * @param intervalNanos nanoseconds per token (1 / rate)
 * @param burst bucket size
 */
public record Limit(long intervalNanos, long burst) {

	/** One token per 1,000 seconds. */
	public static final double MIN_RATE = 0.001;

	public static final double MAX_RATE = 1_000_000;

	public Limit {
		if (intervalNanos < 1 || burst < 1) {
			throw new IllegalArgumentException("interval " + intervalNanos + " ns, burst " + burst
					+ " (expected: both > 0)");
		}
	}

	/** @param rate tokens per second, may be fractional */
	public static Limit of(double rate, int burst) {
		if (!(rate >= MIN_RATE) || !(rate <= MAX_RATE)) {
			throw new IllegalArgumentException("rate: " + rate + " (expected: " + MIN_RATE + " to " + MAX_RATE + ")");
		}
		return new Limit(Math.max(1L, Math.round(1_000_000_000d / rate)), burst);
	}

	/** This limit shared by {@code replicas} independent replicas: each gets its share of rate and burst. */
	public Limit dividedBy(int replicas) {
		if (replicas <= 1) {
			return this;
		}
		long interval = (this.intervalNanos > Long.MAX_VALUE / replicas) ? Long.MAX_VALUE / 1024
				: this.intervalNanos * replicas;
		return new Limit(interval, Math.max(1, this.burst / replicas));
	}

	/** Tokens per second, for headers. */
	public double rate() {
		return 1_000_000_000d / this.intervalNanos;
	}

	/** Seconds for an empty bucket to fill up: the window of the {@code RateLimit-Policy} field. */
	public long windowSeconds() {
		return Math.max(1, (this.burst * this.intervalNanos + 999_999_999L) / 1_000_000_000L);
	}

}
