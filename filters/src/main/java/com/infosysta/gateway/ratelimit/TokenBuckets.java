package com.infosysta.gateway.ratelimit;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Token buckets in memory, lock-free: each bucket is one {@code long}, the time at which it will be full again
 * (the generic cell rate algorithm's "theoretical arrival time"), updated with one compare-and-set. A decision
 * is O(1) and allocates nothing once the bucket exists. A bucket whose time has passed is full, which is the
 * same as having no bucket, so such buckets are swept away without losing anything. The number of buckets is
 * bounded: when a flood of new keys fills it, keys without a bucket go unlimited (fail open) rather than live
 * buckets being evicted, so a flood can never reset the limit of a key that is being limited.
 * <p>
 * Time comes from a nanosecond clock that tests drive by hand; it may even go backwards without a bucket ever
 * giving more than its burst.
 */
public final class TokenBuckets {

	/** Returned by {@link #tryAcquire} and {@link #peek} for a refusal is {@code -(nanoseconds to wait)}. */
	private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

	private final LongSupplier nanoClock;

	private final int maxBuckets;

	private final AtomicBoolean evicting = new AtomicBoolean();

	private final AtomicLong lastSweep = new AtomicLong(Long.MIN_VALUE / 2);

	public TokenBuckets(LongSupplier nanoClock, int maxBuckets) {
		if (maxBuckets < 16) {
			throw new IllegalArgumentException("maxBuckets: " + maxBuckets + " (expected: >= 16)");
		}
		this.nanoClock = nanoClock;
		this.maxBuckets = maxBuckets;
	}

	/**
	 * Takes one token.
	 * @return the tokens left ({@code >= 0}) when allowed, or {@code -(nanoseconds until a token)} when refused
	 */
	public long tryAcquire(String key, Limit limit) {
		Bucket bucket = bucket(key);
		long now = this.nanoClock.getAsLong();
		long tolerance = limit.burst() * limit.intervalNanos();
		if (bucket == null) {
			// No room for another bucket: this key goes unlimited rather than evicting a live bucket.
			return limit.burst() - 1;
		}
		while (true) {
			long full = bucket.get();
			// Capped at an empty bucket of this limit, so a plan change never carries the old plan's wait.
			long newFull = Math.min(Math.max(full, now), now + tolerance) + limit.intervalNanos();
			long allowedAt = newFull - tolerance;
			if (allowedAt > now) {
				return -(allowedAt - now);
			}
			if (bucket.compareAndSet(full, newFull)) {
				return (now + tolerance - newFull) / limit.intervalNanos();
			}
		}
	}

	/** Whether a token is there now, without taking it: same encoding as {@link #tryAcquire}. */
	public long peek(String key, Limit limit) {
		Bucket bucket = this.buckets.get(key);
		long now = this.nanoClock.getAsLong();
		long full = (bucket != null) ? bucket.get() : Long.MIN_VALUE;
		long tolerance = limit.burst() * limit.intervalNanos();
		long newFull = Math.min(Math.max(full, now), now + tolerance) + limit.intervalNanos();
		long allowedAt = newFull - tolerance;
		return (allowedAt > now) ? -(allowedAt - now) : (now + tolerance - newFull) / limit.intervalNanos() + 1;
	}

	/** Gives back a token taken by {@link #tryAcquire} when a later bucket of the same call refused. */
	public void refund(String key, Limit limit) {
		Bucket bucket = this.buckets.get(key);
		if (bucket != null) {
			bucket.addAndGet(-limit.intervalNanos());
		}
	}

	/** Nanoseconds until the bucket is full again (0 when it is), for the {@code RateLimit} field. */
	public long nanosUntilFull(String key) {
		Bucket bucket = this.buckets.get(key);
		return (bucket == null) ? 0 : Math.max(0, bucket.get() - this.nanoClock.getAsLong());
	}

	public int size() {
		return this.buckets.size();
	}

	/** The key's bucket, created if there is room; {@code null} when the bound is reached even after a sweep. */
	private Bucket bucket(String key) {
		Bucket bucket = this.buckets.get(key);
		if (bucket != null) {
			return bucket;
		}
		if (this.buckets.size() >= this.maxBuckets) {
			sweep();
			if (this.buckets.size() >= this.maxBuckets) {
				return null;
			}
		}
		Bucket created = new Bucket();
		bucket = this.buckets.putIfAbsent(key, created);
		return (bucket != null) ? bucket : created;
	}

	/**
	 * Drops full buckets (they carry no state). At most once a second, by one thread at a time, so a flood of
	 * new keys costs one pass over the map per second, not one per request.
	 */
	public void sweep() {
		long now = this.nanoClock.getAsLong();
		long last = this.lastSweep.get();
		if (now - last < 1_000_000_000L || !this.lastSweep.compareAndSet(last, now)
				|| !this.evicting.compareAndSet(false, true)) {
			return;
		}
		try {
			this.buckets.values().removeIf(bucket -> bucket.get() <= now);
		}
		finally {
			this.evicting.set(false);
		}
	}

	/** The time (on the nano clock) at which this bucket is full; {@code Long.MIN_VALUE} when new. */
	private static final class Bucket extends AtomicLong {

		private static final long serialVersionUID = 1L;

		Bucket() {
			super(Long.MIN_VALUE / 2);
		}

	}

}
