package com.infosysta.gateway.ratelimit;

import reactor.core.publisher.Mono;

/**
 * Where the tenant and subject buckets of a call are decided, together: both are charged or neither is.
 * Implementations: in memory ({@link MemoryRateLimitStore}) and in Redis ({@link RedisRateLimitStore}).
 */
public interface RateLimitStore {

	/** Never errors: a store that cannot decide falls back to a local decision. */
	Mono<Decision> decide(Charge charge);

	/**
	 * One call's charge.
	 *
	 * @param tenantId the tenant (its bucket holds all its traffic)
	 * @param tenant the tenant's limit
	 * @param subjectKey the principal's subject key, or {@code null} when there is none
	 * @param subject the subject's limit, or {@code null}
	 */
	record Charge(String tenantId, Limit tenant, String subjectKey, Limit subject) {
	}

	/**
	 * The outcome.
	 *
	 * @param refusedBy {@code null} when allowed, else the scope whose bucket was empty
	 * @param retryAfterNanos when refused, how long until a token
	 * @param tenantRemaining tokens left in the tenant's bucket
	 * @param subjectRemaining tokens left in the subject's bucket, -1 without a subject
	 * @param tenantFullInNanos until the tenant's bucket is full again
	 * @param subjectFullInNanos until the subject's bucket is full again
	 */
	record Decision(Scope refusedBy, long retryAfterNanos, long tenantRemaining, long subjectRemaining,
			long tenantFullInNanos, long subjectFullInNanos) {

		public boolean allowed() {
			return this.refusedBy == null;
		}

	}

	/** The scopes of the gateway's limits, also the {@code scope} tag of the decision counter. */
	enum Scope {

		TENANT("tenant"), SUBJECT("subject"), FAILED_AUTH("failed-auth");

		private final String tag;

		Scope(String tag) {
			this.tag = tag;
		}

		public String tag() {
			return this.tag;
		}

	}

}
