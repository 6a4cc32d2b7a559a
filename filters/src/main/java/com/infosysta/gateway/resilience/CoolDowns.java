package com.infosysta.gateway.resilience;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import org.springframework.http.HttpHeaders;

/**
 * Remembers, per scope, until when Jira asked not to be called (its 429 with {@code Retry-After} or
 * {@code X-RateLimit-Reset}), so the gateway answers those calls itself instead of piling more load on a Jira
 * that is already refusing. The scope follows Jira's {@code RateLimit-Reason}: the whole tenant when it is
 * absent or names a tenant-wide or global quota, only the one user otherwise. Capped, bounded in size.
 */
public final class CoolDowns {

	private static final int MAX_ENTRIES = 100_000;

	private final ConcurrentHashMap<String, Long> until = new ConcurrentHashMap<>();

	private final LongSupplier nanoClock;

	private final java.time.Clock clock;

	private final long maxNanos;

	public CoolDowns(LongSupplier nanoClock, java.time.Clock clock, Duration max) {
		this.nanoClock = nanoClock;
		this.clock = clock;
		this.maxNanos = max.toNanos();
	}

	/** Nanoseconds the scope must still wait, or 0. */
	public long remainingNanos(String tenantId, String subjectKey) {
		long now = this.nanoClock.getAsLong();
		long wait = remaining(tenantKey(tenantId), now);
		if (subjectKey != null) {
			wait = Math.max(wait, remaining(subjectKey(tenantId, subjectKey), now));
		}
		return wait;
	}

	private long remaining(String key, long now) {
		Long end = this.until.get(key);
		if (end == null) {
			return 0;
		}
		if (end <= now) {
			this.until.remove(key, end);
			return 0;
		}
		return end - now;
	}

	/**
	 * Reads a 429 answer of Jira and starts a cool-down if it says how long to wait.
	 * @return the cool-down started, or {@link Duration#ZERO}
	 */
	public Duration recordTooManyRequests(String tenantId, String subjectKey, HttpHeaders headers) {
		long waitNanos = Math.min(waitNanos(headers), this.maxNanos);
		if (waitNanos <= 0) {
			return Duration.ZERO;
		}
		String reason = headers.getFirst("RateLimit-Reason");
		boolean tenantWide = subjectKey == null || reason == null || reason.contains("tenant")
				|| reason.contains("global");
		if (this.until.size() >= MAX_ENTRIES) {
			long now = this.nanoClock.getAsLong();
			this.until.values().removeIf(end -> end <= now);
			if (this.until.size() >= MAX_ENTRIES) {
				return Duration.ZERO;
			}
		}
		String key = tenantWide ? tenantKey(tenantId) : subjectKey(tenantId, subjectKey);
		long end = this.nanoClock.getAsLong() + waitNanos;
		this.until.merge(key, end, Math::max);
		return Duration.ofNanos(waitNanos);
	}

	private long waitNanos(HttpHeaders headers) {
		String retryAfter = headers.getFirst(HttpHeaders.RETRY_AFTER);
		if (retryAfter != null) {
			try {
				long seconds = Long.parseLong(retryAfter.trim());
				return Duration.ofSeconds(Math.min(seconds, 86_400)).toNanos();
			}
			catch (NumberFormatException | ArithmeticException notSeconds) {
				try {
					Instant when = OffsetDateTime.parse(retryAfter.trim(), DateTimeFormatter.RFC_1123_DATE_TIME)
						.toInstant();
					return Math.max(0, Duration.between(this.clock.instant(), when).toNanos());
				}
				catch (DateTimeParseException | ArithmeticException notADate) {
					// fall through to X-RateLimit-Reset
				}
			}
		}
		String reset = headers.getFirst("X-RateLimit-Reset");
		if (reset != null) {
			try {
				// Jira Cloud sends yyyy-MM-ddTHH:mmZ.
				String withSeconds = reset.trim().replace("Z", ":00Z");
				Instant when = OffsetDateTime.parse(withSeconds, DateTimeFormatter.ISO_OFFSET_DATE_TIME)
					.withOffsetSameInstant(ZoneOffset.UTC)
					.toInstant();
				return Math.max(0, Duration.between(this.clock.instant(), when).toNanos());
			}
			catch (DateTimeParseException | ArithmeticException ex) {
				return 0;
			}
		}
		return 0;
	}

	private static String tenantKey(String tenantId) {
		return "t:" + tenantId;
	}

	private static String subjectKey(String tenantId, String subjectKey) {
		return "s:" + tenantId + ':' + subjectKey;
	}

}
