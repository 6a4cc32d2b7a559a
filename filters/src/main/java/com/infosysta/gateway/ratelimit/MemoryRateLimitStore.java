package com.infosysta.gateway.ratelimit;

import reactor.core.publisher.Mono;

/**
 * The store of one replica: token buckets in this process. The default, and the fallback of the Redis store.
 */
public final class MemoryRateLimitStore implements RateLimitStore {

	private final TokenBuckets buckets;

	public MemoryRateLimitStore(TokenBuckets buckets) {
		this.buckets = buckets;
	}

	@Override
	public Mono<Decision> decide(Charge charge) {
		return Mono.just(decideNow(charge));
	}

	Decision decideNow(Charge charge) {
		String tenantKey = tenantKey(charge.tenantId());
		String subjectKey = (charge.subjectKey() != null) ? subjectKey(charge.tenantId(), charge.subjectKey()) : null;
		long subjectLeft = -1;
		if (subjectKey != null) {
			subjectLeft = this.buckets.tryAcquire(subjectKey, charge.subject());
			if (subjectLeft < 0) {
				return new Decision(Scope.SUBJECT, -subjectLeft, 0, 0, 0, this.buckets.nanosUntilFull(subjectKey));
			}
		}
		long tenantLeft = this.buckets.tryAcquire(tenantKey, charge.tenant());
		if (tenantLeft < 0) {
			if (subjectKey != null) {
				this.buckets.refund(subjectKey, charge.subject());
			}
			return new Decision(Scope.TENANT, -tenantLeft, 0, (subjectKey != null) ? subjectLeft + 1 : -1,
					this.buckets.nanosUntilFull(tenantKey), 0);
		}
		return new Decision(null, 0, tenantLeft, subjectLeft, this.buckets.nanosUntilFull(tenantKey),
				(subjectKey != null) ? this.buckets.nanosUntilFull(subjectKey) : 0);
	}

	static String tenantKey(String tenantId) {
		return "t:" + tenantId;
	}

	static String subjectKey(String tenantId, String subjectKey) {
		return "s:" + tenantId + ':' + subjectKey;
	}

	public int size() {
		return this.buckets.size();
	}

}
