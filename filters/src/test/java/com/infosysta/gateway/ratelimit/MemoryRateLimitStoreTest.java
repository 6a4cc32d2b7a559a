package com.infosysta.gateway.ratelimit;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import com.infosysta.gateway.ratelimit.RateLimitStore.Charge;
import com.infosysta.gateway.ratelimit.RateLimitStore.Decision;
import com.infosysta.gateway.ratelimit.RateLimitStore.Scope;

import static org.assertj.core.api.Assertions.assertThat;

final class MemoryRateLimitStoreTest {

	private static final long SECOND = 1_000_000_000L;

	private final AtomicLong now = new AtomicLong(42 * SECOND);

	private final TokenBuckets buckets = new TokenBuckets(this.now::get, 1_000);

	private final MemoryRateLimitStore store = new MemoryRateLimitStore(this.buckets);

	@Test
	void chargesTenantAndSubjectTogether() {
		Limit tenant = new Limit(SECOND, 10);
		Limit subject = new Limit(2 * SECOND, 4);

		Decision decision = decide(new Charge("acme", tenant, "alice", subject));

		assertThat(decision.allowed()).isTrue();
		assertThat(decision.refusedBy()).isNull();
		assertThat(decision.retryAfterNanos()).isZero();
		assertThat(decision.tenantRemaining()).isEqualTo(9);
		assertThat(decision.subjectRemaining()).isEqualTo(3);
		assertThat(decision.tenantFullInNanos()).isEqualTo(SECOND);
		assertThat(decision.subjectFullInNanos()).isEqualTo(2 * SECOND);
		assertThat(this.store.size()).isEqualTo(2);

		Decision second = decide(new Charge("acme", tenant, "alice", subject));

		assertThat(second.tenantRemaining()).isEqualTo(8);
		assertThat(second.subjectRemaining()).isEqualTo(2);
	}

	@Test
	void refundsTheSubjectsTokenWhenTheTenantRefuses() {
		Limit tenant = new Limit(SECOND, 1);
		// The subject refills slowly: only a refund can give its token back within the test's few seconds.
		Limit subject = new Limit(3_600 * SECOND, 3);
		assertThat(decide(new Charge("acme", tenant, "alice", subject)).subjectRemaining()).isEqualTo(2);

		Decision refused = decide(new Charge("acme", tenant, "alice", subject));

		assertThat(refused.allowed()).isFalse();
		assertThat(refused.refusedBy()).isEqualTo(Scope.TENANT);
		assertThat(refused.retryAfterNanos()).isEqualTo(SECOND);
		assertThat(refused.tenantRemaining()).isZero();
		assertThat(refused.tenantFullInNanos()).isEqualTo(SECOND);

		this.now.addAndGet(SECOND);
		Decision next = decide(new Charge("acme", tenant, "alice", subject));

		assertThat(next.allowed()).isTrue();
		assertThat(next.subjectRemaining()).as("the refused call cost the subject nothing").isEqualTo(1);
	}

	@Test
	void subjectRefusalDoesNotChargeTheTenant() {
		Limit tenant = new Limit(3_600 * SECOND, 10);
		Limit subject = new Limit(3_600 * SECOND, 1);
		assertThat(decide(new Charge("acme", tenant, "alice", subject)).tenantRemaining()).isEqualTo(9);

		Decision refused = decide(new Charge("acme", tenant, "alice", subject));

		assertThat(refused.refusedBy()).isEqualTo(Scope.SUBJECT);
		assertThat(refused.retryAfterNanos()).isEqualTo(3_600 * SECOND);
		assertThat(refused.subjectRemaining()).isZero();
		assertThat(refused.subjectFullInNanos()).isEqualTo(3_600 * SECOND);

		Decision other = decide(new Charge("acme", tenant, "bob", subject));

		assertThat(other.allowed()).isTrue();
		assertThat(other.tenantRemaining()).as("alice's refused call left the tenant's bucket alone").isEqualTo(8);
	}

	@Test
	void aRefusedSubjectStaysRefusedUntilItsTokenComes() {
		Limit tenant = new Limit(SECOND, 100);
		Limit subject = new Limit(2 * SECOND, 2);
		decide(new Charge("acme", tenant, "alice", subject));
		decide(new Charge("acme", tenant, "alice", subject));

		assertThat(decide(new Charge("acme", tenant, "alice", subject)).retryAfterNanos()).isEqualTo(2 * SECOND);
		this.now.addAndGet(SECOND);
		assertThat(decide(new Charge("acme", tenant, "alice", subject)).retryAfterNanos()).isEqualTo(SECOND);
		this.now.addAndGet(SECOND);
		assertThat(decide(new Charge("acme", tenant, "alice", subject)).allowed()).isTrue();
	}

	@Test
	void chargesOnlyTheTenantWhenThereIsNoSubject() {
		Limit tenant = new Limit(SECOND, 2);

		Decision first = decide(new Charge("acme", tenant, null, null));

		assertThat(first.allowed()).isTrue();
		assertThat(first.tenantRemaining()).isEqualTo(1);
		assertThat(first.subjectRemaining()).isEqualTo(-1);
		assertThat(first.subjectFullInNanos()).isZero();
		assertThat(this.store.size()).isOne();

		assertThat(decide(new Charge("acme", tenant, null, null)).tenantRemaining()).isZero();
		Decision refused = decide(new Charge("acme", tenant, null, null));
		assertThat(refused.refusedBy()).isEqualTo(Scope.TENANT);
		assertThat(refused.retryAfterNanos()).isPositive();
	}

	@Test
	void tenantsAreIndependentAndSubjectsAreKeyedPerTenant() {
		Limit tenant = new Limit(3_600 * SECOND, 1);
		Limit subject = new Limit(3_600 * SECOND, 1);
		assertThat(decide(new Charge("acme", tenant, "same-subject", subject)).allowed()).isTrue();

		assertThat(decide(new Charge("globex", tenant, "same-subject", subject)).allowed()).isTrue();
		assertThat(decide(new Charge("acme", tenant, "other", subject)).refusedBy()).isEqualTo(Scope.TENANT);
	}

	@Test
	void decideEmitsOneDecisionAndCompletes() {
		StepVerifier.create(this.store.decide(new Charge("acme", new Limit(SECOND, 1), null, null)))
			.assertNext(decision -> assertThat(decision.allowed()).isTrue())
			.verifyComplete();
	}

	private Decision decide(Charge charge) {
		return this.store.decide(charge).block();
	}

}
