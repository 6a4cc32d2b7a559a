package com.infosysta.gateway.ratelimit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

final class LimitTest {

	@ParameterizedTest(name = "rate {0}")
	@ValueSource(doubles = { 0, -0.0, -1, -0.001, 0.0009, 1_000_001, 1e12, Double.NaN, Double.POSITIVE_INFINITY,
			Double.NEGATIVE_INFINITY })
	void rejectsARateOutsideTheSupportedRange(double rate) {
		assertThatIllegalArgumentException().isThrownBy(() -> Limit.of(rate, 10))
			.withMessage("rate: " + rate + " (expected: 0.001 to 1000000.0)");
	}

	@ParameterizedTest(name = "burst {0}")
	@ValueSource(ints = { 0, -1, Integer.MIN_VALUE })
	void rejectsABurstBelowOne(int burst) {
		assertThatIllegalArgumentException().isThrownBy(() -> Limit.of(1, burst))
			.withMessageContaining("burst " + burst)
			.withMessageContaining("expected: both > 0");
	}

	@Test
	void rejectsANonPositiveInterval() {
		assertThatIllegalArgumentException().isThrownBy(() -> new Limit(0, 1)).withMessageContaining("interval 0 ns");
	}

	@Test
	void turnsARateIntoNanosecondsPerToken() {
		assertThat(Limit.of(1, 5)).isEqualTo(new Limit(1_000_000_000L, 5));
		assertThat(Limit.of(0.5, 1).intervalNanos()).isEqualTo(2_000_000_000L);
		assertThat(Limit.of(2.5, 1).intervalNanos()).isEqualTo(400_000_000L);
		assertThat(Limit.of(3, 1).intervalNanos()).isEqualTo(333_333_333L);
		assertThat(Limit.of(2.5, 1).rate()).isCloseTo(2.5, within(1e-9));
	}

	@Test
	void theHighestRateHasAnIntervalOfAMicrosecondAndTheLowestDividesWithoutOverflow() {
		assertThat(Limit.of(1_000_000, 1).intervalNanos()).isEqualTo(1_000);
		assertThat(Limit.of(0.001, 1).dividedBy(1_000_000).intervalNanos()).isPositive();
	}

	@Test
	void dividedByThreeTriplesTheIntervalAndDividesTheBurst() {
		Limit plan = Limit.of(3, 10);

		Limit share = plan.dividedBy(3);

		assertThat(share.intervalNanos()).isEqualTo(3 * plan.intervalNanos());
		assertThat(share.burst()).isEqualTo(3);
		assertThat(share.rate()).isCloseTo(1, within(1e-6));
	}

	@Test
	void dividedByMoreReplicasThanTheBurstKeepsABurstOfOne() {
		Limit share = Limit.of(1, 2).dividedBy(3);

		assertThat(share.burst()).isEqualTo(1);
		assertThat(share.intervalNanos()).isEqualTo(3_000_000_000L);
	}

	@Test
	void dividedByOneOrLessIsTheSameLimit() {
		Limit plan = Limit.of(5, 20);

		assertThat(plan.dividedBy(1)).isSameAs(plan);
		assertThat(plan.dividedBy(0)).isSameAs(plan);
	}

	@Test
	void windowIsTheTimeToFillAnEmptyBucketRoundedUpToWholeSeconds() {
		assertThat(Limit.of(1, 3).windowSeconds()).isEqualTo(3);
		assertThat(Limit.of(0.5, 2).windowSeconds()).isEqualTo(4);
		assertThat(Limit.of(2, 5).windowSeconds()).isEqualTo(3);
		assertThat(Limit.of(50, 100).windowSeconds()).isEqualTo(2);
	}

	@Test
	void windowIsAtLeastOneSecond() {
		assertThat(Limit.of(100, 1).windowSeconds()).isEqualTo(1);
		assertThat(Limit.of(1_000_000, 1).windowSeconds()).isEqualTo(1);
	}

}
