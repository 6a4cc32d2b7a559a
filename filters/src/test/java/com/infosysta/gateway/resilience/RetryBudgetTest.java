package com.infosysta.gateway.resilience;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

final class RetryBudgetTest {

	@Test
	void aNewBudgetAllowsNoRetry() {
		RetryBudget budget = new RetryBudget(0.1);

		assertThat(budget.tryWithdraw()).isFalse();
	}

	@Test
	void tenCallsAtATenthEarnExactlyOneRetry() {
		RetryBudget budget = new RetryBudget(0.1);

		for (int i = 0; i < 9; i++) {
			budget.deposit();
		}
		assertThat(budget.tryWithdraw()).as("after nine calls").isFalse();

		budget.deposit();
		assertThat(budget.tryWithdraw()).as("after ten calls").isTrue();
		assertThat(budget.tryWithdraw()).as("the one retry is spent").isFalse();
	}

	@Test
	void aRefusedWithdrawalSpendsNothing() {
		RetryBudget budget = new RetryBudget(0.1);
		for (int i = 0; i < 9; i++) {
			budget.deposit();
		}
		assertThat(budget.tryWithdraw()).isFalse();

		budget.deposit();

		assertThat(budget.tryWithdraw()).isTrue();
	}

	@Test
	void theReserveHoldsAtMostTenRetriesHoweverManyCallsWentBefore() {
		RetryBudget budget = new RetryBudget(0.1);
		for (int i = 0; i < 10_000; i++) {
			budget.deposit();
		}

		assertThat(withdrawAll(budget)).isEqualTo(10);
	}

	@Test
	void aWholeShareEarnsOneRetryPerCallUpToTheReserve() {
		RetryBudget budget = new RetryBudget(1.0);
		for (int i = 0; i < 3; i++) {
			budget.deposit();
		}

		assertThat(withdrawAll(budget)).isEqualTo(3);
	}

	@Test
	void aShareOfZeroNeverAllowsARetry() {
		RetryBudget budget = new RetryBudget(0);
		for (int i = 0; i < 10_000; i++) {
			budget.deposit();
		}

		assertThat(budget.tryWithdraw()).isFalse();
	}

	@Test
	void racingThreadsNeverWithdrawMoreThanTheirCallsEarned() throws InterruptedException {
		RetryBudget budget = new RetryBudget(0.1);
		int callsPerThread = 50_000;
		AtomicLong withdrawn = new AtomicLong();
		AtomicReference<Throwable> failure = new AtomicReference<>();
		CountDownLatch start = new CountDownLatch(1);
		Runnable caller = () -> {
			try {
				start.await();
				long mine = 0;
				for (int i = 0; i < callsPerThread; i++) {
					budget.deposit();
					if (budget.tryWithdraw()) {
						mine++;
					}
				}
				withdrawn.addAndGet(mine);
			}
			catch (Throwable ex) {
				failure.set(ex);
			}
		};
		Thread first = new Thread(caller, "caller-1");
		Thread second = new Thread(caller, "caller-2");
		first.start();
		second.start();
		start.countDown();
		first.join();
		second.join();

		assertThat(failure.get()).isNull();
		long earned = 2 * callsPerThread / 10;
		long total = withdrawn.get() + withdrawAll(budget);
		assertThat(total).as("retries withdrawn during and after the race").isLessThanOrEqualTo(earned);
		// Each thread spends a token as soon as there is one, so the balance never nears the reserve and no
		// deposit may be lost either.
		assertThat(total).isEqualTo(earned);
	}

	/** Spends the whole balance; bounded, so a budget that never runs dry fails the test instead of hanging it. */
	private static int withdrawAll(RetryBudget budget) {
		int count = 0;
		while (count < 1_000_000 && budget.tryWithdraw()) {
			count++;
		}
		return count;
	}

}
