package com.infosysta.gateway.resilience;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bulkhead that never waits: a count of calls in flight against a limit. The limit can change while calls
 * are in flight (a plan reloaded) without anyone waiting: a lower limit only keeps new calls out until enough
 * have finished. A semaphore cannot do that without blocking the thread that shrinks it.
 */
public final class InFlightLimit {

	private final String name;

	private final AtomicInteger inFlight = new AtomicInteger();

	private volatile int maxConcurrentCalls;

	InFlightLimit(String name, int maxConcurrentCalls) {
		this.name = name;
		this.maxConcurrentCalls = maxConcurrentCalls;
	}

	public String name() {
		return this.name;
	}

	public int maxConcurrentCalls() {
		return this.maxConcurrentCalls;
	}

	public int inFlight() {
		return this.inFlight.get();
	}

	/** Places left now (0 when a lowered limit is still exceeded). */
	public int availableConcurrentCalls() {
		return Math.max(0, this.maxConcurrentCalls - this.inFlight.get());
	}

	void changeLimit(int maxConcurrentCalls) {
		this.maxConcurrentCalls = maxConcurrentCalls;
	}

	/** Takes a place if there is one; never waits. */
	public boolean tryAcquirePermission() {
		while (true) {
			int current = this.inFlight.get();
			if (current >= this.maxConcurrentCalls) {
				return false;
			}
			if (this.inFlight.compareAndSet(current, current + 1)) {
				return true;
			}
		}
	}

	/** Gives the place back when the call ends, however it ends. */
	public void onComplete() {
		this.inFlight.decrementAndGet();
	}

}
