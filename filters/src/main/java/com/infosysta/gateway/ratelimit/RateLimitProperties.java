package com.infosysta.gateway.ratelimit;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Rate limits: where the buckets live and the brute-force guard per client address.
 *
 * @param store {@code memory} (one replica, the default) or {@code redis} (shared; {@code spring.data.redis.*})
 * @param replicas how many replicas run; while Redis is unreachable each decides with plan ÷ replicas
 * @param redisTimeout the longest a call waits for Redis before deciding locally
 * @param redisRetryInterval after a Redis failure, how long calls are decided locally before Redis is tried again
 * @param maxBuckets the most buckets held in memory per kind; a flood of new keys evicts, never grows past it
 * @param failedAuth the brute-force guard per client address
 */
@ConfigurationProperties("infosysta.gateway.rate-limit")
public record RateLimitProperties(@DefaultValue("memory") Store store, @DefaultValue("1") int replicas,
		@DefaultValue("100ms") Duration redisTimeout, @DefaultValue("1s") Duration redisRetryInterval,
		@DefaultValue("100000") int maxBuckets, @DefaultValue FailedAuth failedAuth) {

	private static final String PREFIX = "infosysta.gateway.rate-limit.";

	public RateLimitProperties {
		if (replicas < 1) {
			throw new IllegalArgumentException(PREFIX + "replicas: " + replicas + " (expected: >= 1)");
		}
		if (redisTimeout == null || redisTimeout.isNegative() || redisTimeout.isZero()) {
			throw new IllegalArgumentException(PREFIX + "redis-timeout: " + redisTimeout + " (expected: > 0)");
		}
		if (redisRetryInterval == null || redisRetryInterval.isNegative()) {
			throw new IllegalArgumentException(PREFIX + "redis-retry-interval: " + redisRetryInterval
					+ " (expected: >= 0)");
		}
		if (maxBuckets < 1000) {
			throw new IllegalArgumentException(PREFIX + "max-buckets: " + maxBuckets + " (expected: >= 1000)");
		}
	}

	public enum Store {

		MEMORY, REDIS

	}

	/**
	 * @param perMinute failed authentications a client address may have per minute
	 * @param burst how many at once
	 */
	public record FailedAuth(@DefaultValue("10") double perMinute, @DefaultValue("10") int burst) {

		public FailedAuth {
			if (!(perMinute > 0) || burst < 1) {
				throw new IllegalArgumentException(PREFIX + "failed-auth: per-minute " + perMinute + ", burst " + burst
						+ " (expected: per-minute > 0, burst >= 1)");
			}
		}

		public Limit limit() {
			return Limit.of(this.perMinute / 60, this.burst);
		}

	}

}
