package com.infosysta.gateway.ratelimit;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

final class TokenBucketsTest {

	private static final long SECOND = 1_000_000_000L;

	/** The hand-driven nano clock; starts far from zero so nothing depends on time 0 being special. */
	private final AtomicLong now = new AtomicLong(1_000_000 * SECOND);

	private final TokenBuckets buckets = new TokenBuckets(this.now::get, 10_000);

	@Test
	void newBucketAllowsExactlyItsBurstAtOnceThenRefusesWithTheWaitForOneToken() {
		Limit limit = new Limit(200_000_000L, 5);

		for (long expectedLeft = 4; expectedLeft >= 0; expectedLeft--) {
			assertThat(this.buckets.tryAcquire("k", limit)).isEqualTo(expectedLeft);
		}

		assertThat(this.buckets.tryAcquire("k", limit)).isEqualTo(-200_000_000L);
		assertThat(this.buckets.tryAcquire("k", limit)).as("a refusal takes nothing").isEqualTo(-200_000_000L);
	}

	@Test
	void refillsOneTokenPerIntervalAndNotBefore() {
		Limit limit = new Limit(SECOND, 3);
		drain("k", limit);

		this.now.addAndGet(SECOND - 1);
		assertThat(this.buckets.tryAcquire("k", limit)).isEqualTo(-1);

		this.now.addAndGet(1);
		assertThat(this.buckets.tryAcquire("k", limit)).isZero();
		assertThat(this.buckets.tryAcquire("k", limit)).isEqualTo(-SECOND);

		this.now.addAndGet(2 * SECOND);
		assertThat(this.buckets.tryAcquire("k", limit)).isEqualTo(1);
		assertThat(this.buckets.tryAcquire("k", limit)).isZero();
		assertThat(this.buckets.tryAcquire("k", limit)).isNegative();
	}

	@Test
	void neverHoldsMoreThanItsBurstHoweverLongItIsIdle() {
		Limit limit = new Limit(SECOND, 3);
		drain("k", limit);

		this.now.addAndGet(3600 * SECOND);

		assertThat(drain("k", limit)).isEqualTo(3);
	}

	@ParameterizedTest(name = "{0}/s, burst {1}")
	@CsvSource({ "0.5, 4", "2.5, 10", "0.1, 1", "7.3, 3" })
	void fractionalRateOverALongPeriodGivesRateTimesPeriodPlusBurst(double rate, int burst) {
		Limit limit = Limit.of(rate, burst);
		long period = 3_600 * SECOND;
		long step = 10_000_000L;
		long end = this.now.get() + period;
		long allowed = 0;
		while (true) {
			while (this.buckets.tryAcquire("k", limit) >= 0) {
				allowed++;
			}
			if (this.now.get() >= end) {
				break;
			}
			this.now.addAndGet(step);
		}

		assertThat((double) allowed).isCloseTo(rate * period / SECOND + burst, within(1.0));
	}

	@Test
	void clockGoingBackwardsNeverGivesMoreThanTheBurst() {
		Limit limit = new Limit(SECOND, 5);
		long start = this.now.get();
		long allowed = 0;
		for (int round = 0; round < 1_000; round++) {
			// Jumps back and forth, but never past the start: no time passes, so nothing may refill.
			this.now.set(start - ((round % 7) * 37 * SECOND) - (round % 3));
			while (this.buckets.tryAcquire("k", limit) >= 0) {
				allowed++;
			}
			assertThat(this.buckets.peek("k", limit)).isNegative();
		}

		assertThat(allowed).isEqualTo(5);
	}

	@Test
	void clockGoingBackwardsAfterRefillsStillCapsEachInstantAtTheBurst() {
		Limit limit = new Limit(SECOND, 5);
		this.now.addAndGet(100 * SECOND);
		drain("k", limit);

		this.now.addAndGet(-3_600 * SECOND);

		assertThat(this.buckets.tryAcquire("k", limit)).isNegative();
		assertThat(this.buckets.peek("k", limit)).isNegative();
		this.now.addAndGet(3_600 * SECOND + 100 * SECOND);
		assertThat(drain("k", limit)).isEqualTo(5);
	}

	@Test
	void planChangeGivesNoBurstBonus() {
		Limit small = new Limit(SECOND, 2);
		Limit large = new Limit(SECOND, 10);
		drain("k", small);

		// The two tokens taken under the old plan stay taken: at one instant no more than the new burst in all.
		assertThat(drain("k", large)).isEqualTo(8);
		assertThat(this.buckets.tryAcquire("k", large)).isEqualTo(-SECOND);
	}

	@Test
	void planDowngradeCapsTheNextCallsAtTheNewBurst() {
		Limit generous = new Limit(10_000_000L, 100);
		Limit strict = new Limit(SECOND, 3);
		for (int i = 0; i < 5; i++) {
			assertThat(this.buckets.tryAcquire("k", generous)).isNotNegative();
		}

		assertThat(drain("k", strict)).isBetween(1L, 3L);
		assertThat(-this.buckets.tryAcquire("k", strict)).isPositive().isLessThanOrEqualTo(SECOND);
	}

	/**
	 * A key drained under a slow plan moves to a ten times faster one: the next token must come within the new
	 * plan's interval. The bucket keeps its "full at" time, 2 s ahead, and the faster plan reads that as 20 of
	 * its tokens owed, so the upgrade makes the key wait 1.9 s — longer than the 1 s the old plan asked for.
	 */
	@Test
	void planUpgradeOnADrainedKeyTakesEffectOnTheNextCall() {
		Limit slow = new Limit(SECOND, 2);
		Limit fast = new Limit(SECOND / 10, 2);
		drain("k", slow);
		assertThat(this.buckets.peek("k", slow)).isEqualTo(-SECOND);

		long next = this.buckets.tryAcquire("k", fast);

		assertThat(next).as("no burst bonus: the bucket is still empty").isNegative();
		assertThat(-next).as("wait for the next token under the new plan (ns)").isLessThanOrEqualTo(SECOND / 10);
	}

	/**
	 * A key drained under a plan with burst 100 moves to burst 10 at the same rate: the next token must come
	 * within one interval, as for any drained bucket of the new plan, not after the old plan's 100 s window.
	 */
	@Test
	void burstDowngradeOnADrainedKeyDoesNotLockItOutForTheOldWindow() {
		Limit big = new Limit(SECOND, 100);
		Limit small = new Limit(SECOND, 10);
		drain("k", big);

		long next = this.buckets.tryAcquire("k", small);

		assertThat(next).isNegative();
		assertThat(-next).as("wait for the next token under the new plan (ns)").isLessThanOrEqualTo(SECOND);
	}

	@Test
	void peekNeverConsumesNorCreatesABucket() {
		Limit limit = new Limit(SECOND, 3);

		for (int i = 0; i < 100; i++) {
			assertThat(this.buckets.peek("k", limit)).isEqualTo(3);
		}
		assertThat(this.buckets.size()).isZero();

		this.buckets.tryAcquire("k", limit);
		for (int i = 0; i < 100; i++) {
			assertThat(this.buckets.peek("k", limit)).isEqualTo(2);
		}
		assertThat(drain("k", limit)).isEqualTo(2);
		assertThat(this.buckets.peek("k", limit)).isEqualTo(-SECOND);
		assertThat(this.buckets.peek("k", limit)).isEqualTo(-SECOND);
	}

	@Test
	void refundGivesBackTheTokenJustTaken() {
		Limit limit = new Limit(SECOND, 3);
		this.buckets.tryAcquire("k", limit);
		this.buckets.tryAcquire("k", limit);
		assertThat(this.buckets.peek("k", limit)).isEqualTo(1);

		this.buckets.refund("k", limit);

		assertThat(this.buckets.peek("k", limit)).isEqualTo(2);
		assertThat(drain("k", limit)).isEqualTo(2);
	}

	@Test
	void refundOfAnEmptiedBucketMakesOneTokenAvailableAtOnce() {
		Limit limit = new Limit(SECOND, 3);
		drain("k", limit);

		this.buckets.refund("k", limit);

		assertThat(this.buckets.tryAcquire("k", limit)).isZero();
		assertThat(this.buckets.tryAcquire("k", limit)).isEqualTo(-SECOND);
	}

	@Test
	void refundOfAnUnknownKeyDoesNothing() {
		this.buckets.refund("never-seen", new Limit(SECOND, 3));

		assertThat(this.buckets.size()).isZero();
	}

	@Test
	void nanosUntilFullCountsDownToZero() {
		Limit limit = new Limit(SECOND, 3);
		assertThat(this.buckets.nanosUntilFull("k")).isZero();

		drain("k", limit);
		assertThat(this.buckets.nanosUntilFull("k")).isEqualTo(3 * SECOND);

		this.now.addAndGet(SECOND + 250_000_000L);
		assertThat(this.buckets.nanosUntilFull("k")).isEqualTo(SECOND + 750_000_000L);

		this.now.addAndGet(10 * SECOND);
		assertThat(this.buckets.nanosUntilFull("k")).isZero();
	}

	@Test
	void floodOfDistinctKeysNeverGrowsPastMaxBuckets() {
		Limit limit = new Limit(SECOND, 10);
		int maxSeen = 0;
		for (int i = 0; i < 200_000; i++) {
			assertThat(this.buckets.tryAcquire("flood-" + i, limit)).isEqualTo(9);
			int size = this.buckets.size();
			maxSeen = Math.max(maxSeen, size);
			if (i % 10_000 == 9_999) {
				assertThat(size).as("size after %d keys", i + 1).isLessThanOrEqualTo(10_000);
			}
		}

		assertThat(maxSeen).isLessThanOrEqualTo(10_000);
		assertThat(this.buckets.size()).isLessThanOrEqualTo(10_000).isPositive();
	}

	@Test
	void floodOfFullBucketsEvictsThemBeforeALimitedOne() {
		Limit victimLimit = new Limit(3_600 * SECOND, 1);
		assertThat(this.buckets.tryAcquire("victim", victimLimit)).isZero();
		assertThat(this.buckets.tryAcquire("victim", victimLimit)).isNegative();

		// Each flood bucket is full again a microsecond after its call; the clock moves a millisecond per key.
		Limit floodLimit = new Limit(1_000L, 1);
		for (int i = 0; i < 200_000; i++) {
			this.buckets.tryAcquire("flood-" + i, floodLimit);
			this.now.addAndGet(1_000_000L);
			if (i % 10_000 == 9_999) {
				assertThat(this.buckets.size()).isLessThanOrEqualTo(10_000);
			}
		}

		assertThat(this.buckets.tryAcquire("victim", victimLimit)).as("the limited key is still limited")
			.isNegative();
	}

	@Test
	void twoThreadsRacingOnOneKeyGetExactlyTheBurstBetweenThem() throws InterruptedException {
		Limit limit = new Limit(SECOND, 1_000);
		AtomicLong allowed = new AtomicLong();
		AtomicReference<Throwable> failure = new AtomicReference<>();
		CountDownLatch start = new CountDownLatch(1);
		Runnable racer = () -> {
			try {
				start.await();
				long mine = 0;
				for (int i = 0; i < 100_000; i++) {
					if (this.buckets.tryAcquire("shared", limit) >= 0) {
						mine++;
					}
				}
				allowed.addAndGet(mine);
			}
			catch (Throwable ex) {
				failure.set(ex);
			}
		};
		Thread first = new Thread(racer, "racer-1");
		Thread second = new Thread(racer, "racer-2");
		first.start();
		second.start();
		start.countDown();
		first.join(Duration.ofSeconds(60).toMillis());
		second.join(Duration.ofSeconds(60).toMillis());

		assertThat(first.isAlive() || second.isAlive()).isFalse();
		assertThat(failure.get()).isNull();
		assertThat(allowed.get()).isEqualTo(1_000);
	}

	@Test
	void rejectsATooSmallBound() {
		assertThatIllegalArgumentException().isThrownBy(() -> new TokenBuckets(this.now::get, 15))
			.withMessageContaining("maxBuckets: 15");
	}

	/** Takes tokens until refused; returns how many were taken. */
	private long drain(String key, Limit limit) {
		long taken = 0;
		while (this.buckets.tryAcquire(key, limit) >= 0) {
			taken++;
		}
		return taken;
	}

}
