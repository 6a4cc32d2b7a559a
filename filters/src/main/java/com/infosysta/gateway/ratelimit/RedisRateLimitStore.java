package com.infosysta.gateway.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Buckets shared by every replica, in Redis: one Lua script per call decides the tenant's and the subject's
 * bucket together, in one round trip, on Redis' clock (so replicas' clocks do not matter). Both keys carry the
 * tenant as a hash tag, so they live in one slot of a Redis Cluster, and expire when their bucket is full.
 * <p>
 * Fails open to a local decision, never to an unlimited one: when Redis does not answer within the timeout,
 * the call is decided by this replica's own buckets with each plan divided by the number of replicas (so the
 * replicas together still let at most the plan through), one WARN is logged per outage, and Redis is tried
 * again after a pause. No call fails because Redis failed.
 * <p>
 * The connection is Lettuce's own, opened asynchronously on a blocking-capable scheduler (opening resolves the
 * host name), never on an event loop; Lettuce reconnects it by itself, and commands are rejected at once while
 * it is disconnected, so a call never waits longer than the timeout.
 */
public final class RedisRateLimitStore implements RateLimitStore, AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(RedisRateLimitStore.class);

	static final String SCRIPT = """
			local t = redis.call('TIME')
			local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
			local function take(key, interval, burst)
			  local full = tonumber(redis.call('GET', key) or '0')
			  if full < now then full = now end
			  if full > now + burst * interval then full = now + burst * interval end
			  local new_full = full + interval
			  local allowed_at = new_full - burst * interval
			  if allowed_at > now then return -1, allowed_at - now, full - now end
			  return new_full, math.floor((now + burst * interval - new_full) / interval), new_full - now
			end
			local tn, tr, tf = take(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
			if tn < 0 then return {0, 1, tr, 0, -1, tf, 0} end
			local sn, sr, sf = 0, -1, 0
			if #KEYS > 1 then
			  sn, sr, sf = take(KEYS[2], tonumber(ARGV[3]), tonumber(ARGV[4]))
			  if sn < 0 then return {0, 2, sr, tr + 1, 0, tf, sf} end
			  redis.call('SET', KEYS[2], sn, 'PX', math.floor(sf / 1000) + 1000)
			end
			redis.call('SET', KEYS[1], tn, 'PX', math.floor(tf / 1000) + 1000)
			return {1, 0, 0, tr, sr, tf, sf}
			""";

	private final RedisClient client;

	private final RedisURI uri;

	private final Scheduler connectScheduler;

	private final String scriptSha;

	private final MemoryRateLimitStore fallback;

	private final int replicas;

	private final Duration timeout;

	private final long retryIntervalNanos;

	private final LongSupplier nanoClock;

	private final AtomicBoolean inOutage = new AtomicBoolean();

	private final AtomicBoolean connecting = new AtomicBoolean();

	private final AtomicLong retryRedisAt = new AtomicLong(Long.MIN_VALUE);

	private final Counter storeErrors;

	private final Counter fallbackDecisions;

	private volatile StatefulRedisConnection<String, String> connection;

	public RedisRateLimitStore(RedisClient client, RedisURI uri, Scheduler connectScheduler,
			MemoryRateLimitStore fallback, int replicas, Duration timeout, Duration retryInterval,
			LongSupplier nanoClock, MeterRegistry meters) {
		this.client = client;
		this.uri = uri;
		this.connectScheduler = connectScheduler;
		this.scriptSha = sha1(SCRIPT);
		this.fallback = fallback;
		this.replicas = replicas;
		this.timeout = timeout;
		this.retryIntervalNanos = retryInterval.toNanos();
		this.nanoClock = nanoClock;
		this.storeErrors = Counter.builder("infosysta.gateway.ratelimit.store.errors")
			.description("Rate-limit store calls that failed or timed out")
			.tag("store", "redis")
			.register(meters);
		this.fallbackDecisions = Counter.builder("infosysta.gateway.ratelimit.fallback.decisions")
			.description("Rate-limit decisions taken locally because Redis was unreachable")
			.register(meters);
		Gauge.builder("infosysta.gateway.ratelimit.fallback.active", this.inOutage, flag -> flag.get() ? 1 : 0)
			.description("1 while the Redis store is unreachable and replicas decide locally")
			.register(meters);
		connect();
	}

	@Override
	public Mono<Decision> decide(Charge charge) {
		StatefulRedisConnection<String, String> redis = this.connection;
		if (redis == null) {
			connect();
			// Until the first connection is open (or has failed, which marks an outage) decide locally.
			return Mono.just(decideLocally(charge));
		}
		if (this.inOutage.get() && this.nanoClock.getAsLong() < this.retryRedisAt.get()) {
			return Mono.just(decideLocally(charge));
		}
		String[] keys = (charge.subjectKey() != null)
				? new String[] { tenantKey(charge.tenantId()), subjectKey(charge.tenantId(), charge.subjectKey()) }
				: new String[] { tenantKey(charge.tenantId()) };
		String[] args = (charge.subjectKey() != null)
				? new String[] { micros(charge.tenant()), Long.toString(charge.tenant().burst()),
						micros(charge.subject()), Long.toString(charge.subject().burst()) }
				: new String[] { micros(charge.tenant()), Long.toString(charge.tenant().burst()) };
		return Mono.<List<Object>>fromCompletionStage(() -> redis.async()
			.evalsha(this.scriptSha, ScriptOutputType.MULTI, keys, args))
			.onErrorResume(RedisNoScriptException.class, ex -> Mono.fromCompletionStage(() -> redis.async()
				.eval(SCRIPT, ScriptOutputType.MULTI, keys, args)))
			.timeout(this.timeout)
			.map(RedisRateLimitStore::decision)
			.switchIfEmpty(Mono.error(() -> new IllegalStateException("empty answer")))
			.doOnNext(decision -> recovered())
			.onErrorResume(ex -> Mono.just(failedOver(charge, ex.getClass().getSimpleName())));
	}

	/** Opens the connection in the background; concurrent callers start at most one attempt. */
	private void connect() {
		if (this.connection != null || !this.connecting.compareAndSet(false, true)) {
			return;
		}
		Mono.fromCompletionStage(() -> this.client.connectAsync(StringCodec.UTF8, this.uri))
			.subscribeOn(this.connectScheduler)
			.subscribe(opened -> {
				this.connection = opened;
				this.connecting.set(false);
			}, failure -> {
				this.connecting.set(false);
				markOutage(failure.getClass().getSimpleName());
			});
	}

	private Decision decideLocally(Charge charge) {
		this.fallbackDecisions.increment();
		Limit subject = (charge.subject() != null) ? charge.subject().dividedBy(this.replicas) : null;
		return this.fallback.decideNow(new Charge(charge.tenantId(), charge.tenant().dividedBy(this.replicas),
				charge.subjectKey(), subject));
	}

	private Decision failedOver(Charge charge, String why) {
		markOutage(why);
		return decideLocally(charge);
	}

	private void markOutage(String why) {
		this.storeErrors.increment();
		this.retryRedisAt.set(this.nanoClock.getAsLong() + this.retryIntervalNanos);
		if (this.inOutage.compareAndSet(false, true)) {
			log.warn("Rate-limit store Redis unreachable ({}); deciding locally with plans divided by {} until it"
					+ " is back", why, this.replicas);
		}
	}

	private void recovered() {
		if (this.inOutage.compareAndSet(true, false)) {
			log.info("Rate-limit store Redis is back; shared limits apply again");
		}
	}

	private static Decision decision(List<Object> result) {
		long allowed = number(result.get(0));
		long scope = number(result.get(1));
		long retryMicros = number(result.get(2));
		Scope refusedBy = (allowed == 1) ? null : (scope == 1) ? Scope.TENANT : Scope.SUBJECT;
		return new Decision(refusedBy, retryMicros * 1000, number(result.get(3)), number(result.get(4)),
				number(result.get(5)) * 1000, number(result.get(6)) * 1000);
	}

	private static long number(Object value) {
		return (value instanceof Number number) ? number.longValue() : Long.parseLong(String.valueOf(value));
	}

	private static String micros(Limit limit) {
		return Long.toString(Math.max(1, limit.intervalNanos() / 1000));
	}

	private static String sha1(String text) {
		try {
			return java.util.HexFormat.of()
				.formatHex(java.security.MessageDigest.getInstance("SHA-1")
					.digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
		}
		catch (java.security.NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-1 is part of every JRE", ex);
		}
	}

	/** The tenant in braces is the Redis Cluster hash tag: both keys of a call land in one slot. */
	static String tenantKey(String tenantId) {
		return "rl:{" + tenantId + "}:t";
	}

	static String subjectKey(String tenantId, String subjectKey) {
		return "rl:{" + tenantId + "}:s:" + subjectKey;
	}

	@Override
	public void close() {
		StatefulRedisConnection<String, String> redis = this.connection;
		if (redis != null) {
			redis.closeAsync();
		}
	}

}
