package com.infosysta.gateway.resilience;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets retries be at most a share of recent traffic: every call deposits that share of a token (up to a small
 * reserve), every retry spends a whole one. During an outage the budget runs dry at once, so retries never
 * multiply the load on a struggling upstream.
 */
public final class RetryBudget {

	private static final long TOKEN = 1_000;

	private static final long RESERVE = 10 * TOKEN;

	private final long deposit;

	private final AtomicLong balance = new AtomicLong();

	public RetryBudget(double share) {
		this.deposit = Math.round(share * TOKEN);
	}

	public void deposit() {
		if (this.deposit > 0 && this.balance.get() < RESERVE) {
			this.balance.accumulateAndGet(this.deposit, (current, add) -> Math.min(RESERVE, current + add));
		}
	}

	public boolean tryWithdraw() {
		while (true) {
			long current = this.balance.get();
			if (current < TOKEN) {
				return false;
			}
			if (this.balance.compareAndSet(current, current - TOKEN)) {
				return true;
			}
		}
	}

}
