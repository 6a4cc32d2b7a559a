package com.infosysta.gateway.resilience;

import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

final class UpstreamIsolationTest {

	private static final long SECOND = 1_000_000_000L;

	/** The hand-driven nano clock; starts far from zero so nothing depends on time 0 being special. */
	private final AtomicLong now = new AtomicLong(9_000 * SECOND);

	/** Opens when at least half of the last four calls failed, once four calls were seen; open for 2 s. */
	private final UpstreamIsolation isolation = new UpstreamIsolation(
			new ResilienceProperties.Breaker(4, 4, 50, Duration.ofSeconds(2), true), this.now::get);

	@Test
	void givesEachUpstreamItsOwnBreakerAndTheSameOneEachTime() {
		CircuitBreaker acme = this.isolation.breaker("acme");

		assertThat(this.isolation.breaker("acme")).isSameAs(acme);
		assertThat(this.isolation.breaker("globex")).isNotSameAs(acme);
		assertThat(this.isolation.breaker("app:tempo")).isNotSameAs(acme);
		assertThat(names(this.isolation)).containsExactlyInAnyOrder("acme", "globex", "app:tempo");
	}

	@Test
	void opensAfterTheMinimumNumberOfFailedCallsAndNotBefore() {
		CircuitBreaker acme = this.isolation.breaker("acme");

		for (int i = 0; i < 3; i++) {
			fail(acme);
		}
		assertThat(acme.getState()).as("after three failures").isEqualTo(CircuitBreaker.State.CLOSED);
		assertThat(acme.tryAcquirePermission()).isTrue();
		acme.releasePermission();

		fail(acme);

		assertThat(acme.getState()).isEqualTo(CircuitBreaker.State.OPEN);
		assertThat(acme.tryAcquirePermission()).isFalse();
		assertThat(this.isolation.breaker("globex").tryAcquirePermission()).as("another upstream").isTrue();
	}

	@Test
	void successesKeepTheBreakerClosed() {
		CircuitBreaker acme = this.isolation.breaker("acme");

		fail(acme);
		for (int i = 0; i < 20; i++) {
			succeed(acme);
		}

		assertThat(acme.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
	}

	@Test
	void secondsUntilProbeCountsDownFromTheOpenDurationAndIsAtLeastOne() {
		CircuitBreaker acme = this.isolation.breaker("acme");
		for (int i = 0; i < 4; i++) {
			fail(acme);
		}
		assertThat(acme.getState()).isEqualTo(CircuitBreaker.State.OPEN);

		assertThat(this.isolation.secondsUntilProbe("acme")).isEqualTo(2);

		this.now.addAndGet(SECOND / 2);
		assertThat(this.isolation.secondsUntilProbe("acme")).as("1.5 s left, rounded up").isEqualTo(2);

		this.now.addAndGet(SECOND / 2);
		assertThat(this.isolation.secondsUntilProbe("acme")).as("1 s left").isEqualTo(1);

		this.now.addAndGet(SECOND / 2);
		assertThat(this.isolation.secondsUntilProbe("acme")).as("0.5 s left, rounded up").isEqualTo(1);

		this.now.addAndGet(10 * SECOND);
		assertThat(this.isolation.secondsUntilProbe("acme")).as("overdue").isEqualTo(1);
	}

	@Test
	void aBulkheadOfNRefusesTheNextCallUntilOneCompletes() {
		InFlightLimit bulkhead = this.isolation.bulkhead("acme", 2);

		assertThat(bulkhead.tryAcquirePermission()).isTrue();
		assertThat(bulkhead.tryAcquirePermission()).isTrue();
		assertThat(bulkhead.tryAcquirePermission()).as("the third call").isFalse();
		assertThat(this.isolation.bulkhead("globex", 2).tryAcquirePermission()).as("another upstream").isTrue();

		bulkhead.onComplete();

		assertThat(bulkhead.tryAcquirePermission()).isTrue();
		assertThat(bulkhead.tryAcquirePermission()).isFalse();
	}

	@Test
	void givesTheSameBulkheadForTheSameName() {
		InFlightLimit bulkhead = this.isolation.bulkhead("acme", 2);
		assertThat(bulkhead.tryAcquirePermission()).isTrue();
		assertThat(bulkhead.tryAcquirePermission()).isTrue();

		assertThat(this.isolation.bulkhead("acme", 2)).isSameAs(bulkhead);
		assertThat(this.isolation.bulkhead("acme", 2).tryAcquirePermission()).isFalse();
	}

	@Test
	void raisingTheLimitForTheSameNameLetsMoreCallsIn() {
		InFlightLimit bulkhead = this.isolation.bulkhead("acme", 2);
		assertThat(bulkhead.tryAcquirePermission()).isTrue();
		assertThat(bulkhead.tryAcquirePermission()).isTrue();
		assertThat(bulkhead.tryAcquirePermission()).isFalse();

		InFlightLimit raised = this.isolation.bulkhead("acme", 3);

		assertThat(raised.maxConcurrentCalls()).isEqualTo(3);
		assertThat(raised.tryAcquirePermission()).isTrue();
		assertThat(raised.tryAcquirePermission()).isFalse();
	}

	@Test
	void loweringTheLimitForTheSameNameLetsFewerCallsIn() {
		this.isolation.bulkhead("acme", 3);

		InFlightLimit lowered = this.isolation.bulkhead("acme", 1);

		assertThat(lowered.maxConcurrentCalls()).isEqualTo(1);
		assertThat(lowered.tryAcquirePermission()).isTrue();
		assertThat(lowered.tryAcquirePermission()).isFalse();
	}

	/**
	 * A reload that lowers a tenant's {@code in-flight} while more calls than the new limit are in flight: the
	 * next request of the tenant asks for the bulkhead with the new limit, on a request thread (in production a
	 * Netty event loop). It must get an answer at once, not wait for calls in flight to end.
	 */
	@Test
	void loweringTheLimitWhileCallsAreInFlightDoesNotMakeTheCallerWait() throws Exception {
		InFlightLimit bulkhead = this.isolation.bulkhead("acme", 3);
		for (int i = 0; i < 3; i++) {
			assertThat(bulkhead.tryAcquirePermission()).isTrue();
		}
		ExecutorService requestThread = Executors.newSingleThreadExecutor(task -> {
			Thread thread = new Thread(task, "request-thread");
			thread.setDaemon(true);
			return thread;
		});
		Future<InFlightLimit> lowered = requestThread.submit(() -> this.isolation.bulkhead("acme", 1));
		try {
			assertThat(lowered).as("bulkhead(\"acme\", 1) with 3 calls in flight returns without waiting")
				.succeedsWithin(Duration.ofSeconds(2));
			assertThat(bulkhead.tryAcquirePermission()).as("3 in flight, limit 1").isFalse();
			for (int i = 0; i < 3; i++) {
				bulkhead.onComplete();
			}
			assertThat(bulkhead.tryAcquirePermission()).as("all done: one place").isTrue();
			assertThat(bulkhead.tryAcquirePermission()).isFalse();
		}
		finally {
			if (!lowered.isDone()) {
				// Free the stuck thread so it does not outlive the test.
				for (int i = 0; i < 3; i++) {
					bulkhead.onComplete();
				}
			}
			requestThread.shutdown();
			requestThread.awaitTermination(5, TimeUnit.SECONDS);
		}
	}

	@Test
	void concurrentFirstCallsMakeOneBreakerAndItsListenerWorks() throws Exception {
		int callers = 8;
		ExecutorService threads = Executors.newFixedThreadPool(callers);
		java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(callers);
		try {
			java.util.List<Future<CircuitBreaker>> made = new java.util.ArrayList<>();
			for (int i = 0; i < callers; i++) {
				made.add(threads.submit(() -> {
					start.await();
					return this.isolation.breaker("burst");
				}));
			}
			CircuitBreaker first = made.get(0).get(5, TimeUnit.SECONDS);
			for (Future<CircuitBreaker> each : made) {
				assertThat(each.get(5, TimeUnit.SECONDS)).isSameAs(first);
			}
			first.transitionToOpenState();
			this.now.addAndGet(SECOND + SECOND / 2);
			assertThat(this.isolation.secondsUntilProbe("burst")).as("the listener noted the opening").isEqualTo(1);
		}
		finally {
			threads.shutdownNow();
		}
	}

	@Test
	void retainOnlyDropsTheBreakersAndBulkheadsOfUpstreamsNoLongerConfigured() {
		CircuitBreaker acme = this.isolation.breaker("acme");
		CircuitBreaker globex = this.isolation.breaker("globex");
		this.isolation.breaker("app:tempo");
		InFlightLimit acmeBulkhead = this.isolation.bulkhead("acme", 2);
		this.isolation.bulkhead("globex", 2);
		this.isolation.bulkhead("app:tempo", 200);
		for (int i = 0; i < 4; i++) {
			fail(globex);
		}

		this.isolation.retainOnly(Set.of("acme", "app:tempo"));

		assertThat(names(this.isolation)).containsExactlyInAnyOrder("acme", "app:tempo");
		assertThat(this.isolation.bulkheads().keySet()).containsExactlyInAnyOrder("acme", "app:tempo");
		assertThat(this.isolation.breaker("acme")).as("a kept upstream keeps its breaker").isSameAs(acme);
		assertThat(this.isolation.bulkhead("acme", 2)).isSameAs(acmeBulkhead);
		CircuitBreaker globexAgain = this.isolation.breaker("globex");
		assertThat(globexAgain).as("a returning upstream starts afresh").isNotSameAs(globex);
		assertThat(globexAgain.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
	}

	@Test
	void retainOnlyWithNoNamesDropsEverything() {
		this.isolation.breaker("acme");
		this.isolation.bulkhead("acme", 2);

		this.isolation.retainOnly(Set.of());

		assertThat(this.isolation.breakers().getAllCircuitBreakers()).isEmpty();
		assertThat(this.isolation.bulkheads()).isEmpty();
	}

	private static Set<String> names(UpstreamIsolation isolation) {
		return isolation.breakers()
			.getAllCircuitBreakers()
			.stream()
			.map(CircuitBreaker::getName)
			.collect(Collectors.toSet());
	}

	private static void fail(CircuitBreaker breaker) {
		assertThat(breaker.tryAcquirePermission()).isTrue();
		breaker.onError(0, TimeUnit.NANOSECONDS, new IOException("connection refused"));
	}

	private static void succeed(CircuitBreaker breaker) {
		assertThat(breaker.tryAcquirePermission()).isTrue();
		breaker.onSuccess(0, TimeUnit.NANOSECONDS);
	}

}
