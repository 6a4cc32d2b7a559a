package com.infosysta.gateway.ratelimit;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decisions per second of the memory store for an existing key, key lookup included, on one thread and on two
 * (the two threads share one key: the contended case). The limit is high enough never to refuse, so every
 * decision takes the compare-and-set path.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TokenBucketsBenchmark {

	private static final Limit LIMIT = Limit.of(1_000_000, 1_000_000);

	private TokenBuckets buckets;

	private String key;

	@Setup
	public void setUp() {
		this.buckets = new TokenBuckets(System::nanoTime, 100_000);
		for (int i = 0; i < 50_000; i++) {
			this.buckets.tryAcquire("s:acme:subject-" + i, LIMIT);
		}
		this.key = "s:acme:subject-4242";
	}

	@Benchmark
	@Threads(1)
	public long oneThread() {
		return this.buckets.tryAcquire(this.key, LIMIT);
	}

	@Benchmark
	@Threads(2)
	public long twoThreadsOneKey() {
		return this.buckets.tryAcquire(this.key, LIMIT);
	}

}
