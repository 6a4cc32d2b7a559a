package com.infosysta.gateway.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import com.infosysta.gateway.ratelimit.RateLimitStore.Charge;
import com.infosysta.gateway.ratelimit.RateLimitStore.Decision;
import com.infosysta.gateway.ratelimit.RateLimitStore.Scope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Against a real {@code redis-server}, one per test, so a test can take it away and bring it back. Each store
 * here is built with two replicas in mind: a decision taken by the local fallback (plan ÷ 2) looks different from
 * one taken by Redis (the whole plan), so no test can pass by quietly deciding locally.
 */
final class RedisRateLimitStoreTest {

	private static final long SECOND = 1_000_000_000L;

	private static final Duration TIMEOUT = Duration.ofMillis(500);

	private static final Duration RETRY_INTERVAL = Duration.ofMillis(200);

	/** Slow enough that nothing refills while a test runs: 1 token per 100 s. */
	private static final Limit TENANT = new Limit(100 * SECOND, 10);

	private static final Limit SUBJECT = new Limit(100 * SECOND, 4);

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final List<RedisClient> clients = new ArrayList<>();

	private final List<RedisRateLimitStore> stores = new ArrayList<>();

	private double errorsBaseline;

	private double fallbackBaseline;

	private int warningsBaseline;

	private final ListAppender<ILoggingEvent> log = new ListAppender<>();

	private final Logger storeLogger = (Logger) LoggerFactory.getLogger(RedisRateLimitStore.class);

	private RedisServer redis;

	private LettuceConnectionFactory viewFactory;

	private ReactiveStringRedisTemplate view;

	@BeforeEach
	void startRedis() {
		this.redis = RedisServer.startOnFreePort();
		this.log.start();
		this.storeLogger.addAppender(this.log);
	}

	@AfterEach
	void stopEverything() {
		this.storeLogger.detachAppender(this.log);
		closeView();
		this.stores.forEach(RedisRateLimitStore::close);
		this.clients.forEach(client -> client.shutdown(Duration.ZERO, Duration.ofSeconds(5)));
		this.redis.close();
	}

	@Test
	void allowsTheBurstThenRefusesWithTheTimeToTheNextToken() {
		RedisRateLimitStore store = store(this.meters);
		Charge charge = new Charge("acme", new Limit(100 * SECOND, 3), null, null);

		assertThat(decide(store, charge).tenantRemaining()).isEqualTo(2);
		assertThat(decide(store, charge).tenantRemaining()).isEqualTo(1);
		assertThat(decide(store, charge).tenantRemaining()).isZero();
		Decision refused = decide(store, charge);

		assertThat(refused.allowed()).isFalse();
		assertThat(refused.refusedBy()).isEqualTo(Scope.TENANT);
		assertThat(refused.retryAfterNanos()).isPositive().isLessThanOrEqualTo(100 * SECOND)
			.isGreaterThan(99 * SECOND);
		assertThat(refused.tenantFullInNanos()).isGreaterThan(299 * SECOND).isLessThanOrEqualTo(300 * SECOND);
		assertDecidedByRedis();
	}

	@Test
	void reportsRemainingTokensAndFullTimesOfBothBuckets() {
		RedisRateLimitStore store = store(this.meters);

		Decision decision = decide(store, new Charge("acme", TENANT, "alice", SUBJECT));

		assertThat(decision.allowed()).isTrue();
		assertThat(decision.tenantRemaining()).isEqualTo(9);
		assertThat(decision.subjectRemaining()).isEqualTo(3);
		assertThat(decision.tenantFullInNanos()).isEqualTo(100 * SECOND);
		assertThat(decision.subjectFullInNanos()).isEqualTo(100 * SECOND);
		assertDecidedByRedis();
	}

	@Test
	void subjectRefusalDoesNotChargeTheTenant() {
		RedisRateLimitStore store = store(this.meters);
		Limit oneCallEach = new Limit(100 * SECOND, 1);
		assertThat(decide(store, new Charge("acme", TENANT, "alice", oneCallEach)).tenantRemaining()).isEqualTo(9);

		Decision refused = decide(store, new Charge("acme", TENANT, "alice", oneCallEach));

		assertThat(refused.refusedBy()).isEqualTo(Scope.SUBJECT);
		assertThat(refused.retryAfterNanos()).isGreaterThan(99 * SECOND).isLessThanOrEqualTo(100 * SECOND);
		Decision bob = decide(store, new Charge("acme", TENANT, "bob", oneCallEach));
		assertThat(bob.allowed()).isTrue();
		assertThat(bob.tenantRemaining()).as("alice's refused call left the tenant's bucket alone").isEqualTo(8);
		assertDecidedByRedis();
	}

	@Test
	void tenantRefusalDoesNotChargeTheSubject() {
		RedisRateLimitStore store = store(this.meters);
		// The tenant refills every 300 ms, the subject never within the test: only an uncharged subject has 2 left.
		Limit tenant = new Limit(300_000_000L, 1);
		assertThat(decide(store, new Charge("acme", tenant, "alice", SUBJECT)).subjectRemaining()).isEqualTo(3);
		assertThat(decide(store, new Charge("acme", tenant, "alice", SUBJECT)).refusedBy()).isEqualTo(Scope.TENANT);

		Decision next = await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(50))
			.until(() -> decide(store, new Charge("acme", tenant, "alice", SUBJECT)), Decision::allowed);

		assertThat(next.subjectRemaining()).isEqualTo(2);
		assertDecidedByRedis();
	}

	/**
	 * The same arithmetic as the memory store, in the script: a tenant drained under a slow plan (a token per
	 * 100 s) moves to a ten times faster one. Its next token must come within the new plan's 10 s; the key's
	 * stored "full at" time, 200 s ahead, makes it wait 190 s instead (see {@code TokenBucketsTest}).
	 */
	@Test
	void planUpgradeOnADrainedTenantTakesEffectOnTheNextCall() {
		RedisRateLimitStore store = store(this.meters);
		Limit slow = new Limit(100 * SECOND, 2);
		Limit fast = new Limit(10 * SECOND, 2);
		decide(store, new Charge("acme", slow, null, null));
		decide(store, new Charge("acme", slow, null, null));

		Decision next = decide(store, new Charge("acme", fast, null, null));

		assertThat(next.allowed()).as("no burst bonus: the bucket is still empty").isFalse();
		assertThat(next.retryAfterNanos()).as("wait for the next token under the new plan (ns)")
			.isLessThanOrEqualTo(10 * SECOND);
		assertDecidedByRedis();
	}

	@Test
	void keysAreHashTaggedByTenantAndExpireByThemselves() {
		RedisRateLimitStore store = store(this.meters);

		decide(store, new Charge("acme", TENANT, "c3ViamVjdA", SUBJECT));

		assertThat(redisView().keys("rl:*").collectList().block()).containsExactlyInAnyOrder("rl:{acme}:t",
				"rl:{acme}:s:c3ViamVjdA");
		// Full again in 100 s: the key lives that long and a second more, then Redis drops it.
		for (String key : List.of("rl:{acme}:t", "rl:{acme}:s:c3ViamVjdA")) {
			Duration ttl = redisView().getExpire(key).block();
			assertThat(ttl).as("TTL of %s", key).isGreaterThan(Duration.ofSeconds(95)).isLessThanOrEqualTo(
					Duration.ofSeconds(101));
		}
	}

	@Test
	void keysOfAFastBucketAreGoneSoonAfterItIsFull() {
		RedisRateLimitStore store = store(this.meters);
		Limit fast = new Limit(10_000_000L, 5);

		decide(store, new Charge("acme", fast, "alice", fast));
		assertThat(redisView().hasKey("rl:{acme}:t").block()).isTrue();

		await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(100))
			.until(() -> redisView().keys("rl:*").collectList().block(), List::isEmpty);
	}

	@Test
	void twoReplicasOnOneRedisShareOneBudget() {
		RedisRateLimitStore first = store(this.meters);
		RedisRateLimitStore second = store(new SimpleMeterRegistry());
		Charge charge = new Charge("acme", new Limit(100 * SECOND, 4), null, null);

		assertThat(decide(first, charge).tenantRemaining()).isEqualTo(3);
		assertThat(decide(second, charge).tenantRemaining()).isEqualTo(2);
		assertThat(decide(first, charge).tenantRemaining()).isEqualTo(1);
		assertThat(decide(second, charge).tenantRemaining()).isZero();

		assertThat(decide(first, charge).allowed()).isFalse();
		assertThat(decide(second, charge).allowed()).isFalse();
	}

	@Test
	void fallsBackToLocalBucketsWithPlanDividedByReplicasWhenRedisIsDown() {
		RedisRateLimitStore store = store(this.meters);
		assertThat(decide(store, new Charge("acme", TENANT, null, null)).tenantRemaining()).isEqualTo(9);

		stopRedis();

		List<Decision> decisions = new ArrayList<>();
		for (int i = 0; i < 8; i++) {
			// Never an error signal: exactly one decision, then completion.
			StepVerifier.create(store.decide(new Charge("acme", TENANT, null, null)))
				.consumeNextWith(decisions::add)
				.expectComplete()
				.verify(Duration.ofSeconds(5));
		}

		// 10 ÷ 2 replicas = 5 locally, whatever Redis had counted.
		assertThat(decisions).extracting(Decision::allowed)
			.containsExactly(true, true, true, true, true, false, false, false);
		assertThat(decisions.get(5).refusedBy()).isEqualTo(Scope.TENANT);
		// A token every 200 s locally (100 s × 2 replicas).
		assertThat(decisions.get(5).retryAfterNanos()).isGreaterThan(199 * SECOND).isLessThanOrEqualTo(200 * SECOND);
		assertThat(storeErrors()).isGreaterThanOrEqualTo(1);
		assertThat(fallbackDecisions()).isEqualTo(8);
		assertThat(fallbackActive()).isEqualTo(1);
	}

	@Test
	void dividesTheSubjectsLimitToo() {
		RedisRateLimitStore store = store(this.meters);
		stopRedis();

		List<Boolean> allowed = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			allowed.add(decide(store, new Charge("acme", TENANT, "alice", SUBJECT)).allowed());
		}

		assertThat(allowed).containsExactly(true, true, false, false);
	}

	@Test
	void warnsOncePerOutage() {
		RedisRateLimitStore store = store(this.meters);
		decide(store, new Charge("acme", TENANT, null, null));
		stopRedis();

		decide(store, new Charge("acme", TENANT, null, null));
		// Let several retry intervals pass, each retry failing again: still the same outage.
		double errorsBefore = storeErrors();
		await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(50))
			.until(() -> {
				decide(store, new Charge("acme", TENANT, null, null));
				return storeErrors() >= errorsBefore + 3;
			});

		assertThat(warnings()).hasSize(1);
		assertThat(warnings().get(0).getFormattedMessage()).contains("Redis unreachable").contains("divided by 2");
	}

	@Test
	void aRedisThatDoesNotAnswerInTimeIsDecidedLocallyWithinTheTimeout() {
		RedisRateLimitStore store = store(this.meters);
		decide(store, new Charge("acme", TENANT, null, null));
		// Redis holds every client's commands for 3 s without answering.
		assertThat(this.redis.command("CLIENT PAUSE 3000 ALL")).isEqualTo("+OK");

		long started = System.nanoTime();
		Decision decision = decide(store, new Charge("acme", TENANT, null, null));
		long tookMillis = (System.nanoTime() - started) / 1_000_000;

		assertThat(decision.allowed()).isTrue();
		assertThat(decision.tenantRemaining()).as("decided locally with 10 ÷ 2").isEqualTo(4);
		assertThat(tookMillis).isGreaterThanOrEqualTo(TIMEOUT.toMillis() - 50).isLessThan(2_500);
		assertThat(storeErrors()).isEqualTo(1);
		assertThat(fallbackActive()).isEqualTo(1);
	}

	@Test
	void returnsToRedisByItselfWhenRedisIsBack() {
		RedisRateLimitStore store = store(this.meters);
		Charge charge = new Charge("acme", TENANT, "alice", SUBJECT);
		decide(store, charge);
		stopRedis();
		decide(store, charge);
		assertThat(fallbackActive()).isEqualTo(1);

		this.redis.start();

		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(100))
			.untilAsserted(() -> {
				decide(store, charge);
				assertThat(fallbackActive()).isZero();
			});
		double fallbackBefore = fallbackDecisions();
		Decision fromRedis = decide(store, charge);

		// The restarted Redis is empty (nothing persisted) and has seen only a call or two since it came back; the
		// local buckets (burst 10 ÷ 2) have spent at least two tokens and could not have more than 3 left.
		assertThat(fromRedis.allowed()).isTrue();
		assertThat(fromRedis.tenantRemaining()).isBetween(5L, 8L);
		assertThat(fallbackDecisions()).isEqualTo(fallbackBefore);
		assertThat(redisView().keys("rl:*").collectList().block()).containsExactlyInAnyOrder("rl:{acme}:t",
				"rl:{acme}:s:alice");
		assertThat(messages(Level.INFO)).anySatisfy(message -> assertThat(message).contains("is back"));
	}

	@Test
	void startsDecidingWithRedisOnceItBecomesReachable() {
		stopRedis();
		RedisRateLimitStore store = newStore(this.meters);
		Charge charge = new Charge("acme", TENANT, null, null);

		StepVerifier.create(store.decide(charge))
			.assertNext(decision -> assertThat(decision.tenantRemaining()).as("10 ÷ 2 locally").isEqualTo(4))
			.expectComplete()
			.verify(Duration.ofSeconds(5));
		// The failed first connection marks the outage.
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(fallbackActive()).isEqualTo(1));

		this.redis.start();

		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
			decide(store, charge);
			assertThat(fallbackActive()).isZero();
		});
		assertThat(redisView().hasKey("rl:{acme}:t").block()).isTrue();
		assertThat(warnings()).hasSize(1);
	}

	@Test
	void aSecondOutageWarnsAgain() {
		RedisRateLimitStore store = store(this.meters);
		Charge charge = new Charge("acme", TENANT, null, null);
		stopRedis();
		decide(store, charge);
		this.redis.start();
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
			decide(store, charge);
			assertThat(fallbackActive()).isZero();
		});

		stopRedis();
		decide(store, charge);

		assertThat(warnings()).hasSize(2);
		assertThat(fallbackActive()).isEqualTo(1);
	}

	/**
	 * A store with a Lettuce client of its own, as each replica has, set up like the gateway's: commands are
	 * rejected at once while disconnected. Returns once a throw-away tenant's call has been decided by Redis (no
	 * store error, no outage), so no test's own calls race the store's background connection.
	 */
	private RedisRateLimitStore store(SimpleMeterRegistry registry) {
		RedisRateLimitStore store = newStore(registry);
		Charge warmUp = new Charge("warm-up", new Limit(1_000L, 1_000_000), null, null);
		await("the store deciding with Redis").atMost(Duration.ofSeconds(20))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> {
				// Until the first connection is open the store decides locally and quietly: wait for Redis' key.
				decide(store, warmUp);
				return ":1".equals(this.redis.command("EXISTS rl:{warm-up}:t"))
						&& registry.get("infosysta.gateway.ratelimit.fallback.active").gauge().value() == 0;
			});
		assertThat(this.redis.command("DEL rl:{warm-up}:t")).isEqualTo(":1");
		if (registry == this.meters) {
			this.errorsBaseline = storeErrors();
			this.fallbackBaseline = fallbackDecisions();
			this.warningsBaseline = allWarnings().size();
		}
		return store;
	}

	private RedisRateLimitStore newStore(SimpleMeterRegistry registry) {
		RedisClient client = RedisClient.create();
		client.setOptions(ClientOptions.builder()
			.autoReconnect(true)
			.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
			.build());
		this.clients.add(client);
		RedisURI uri = RedisURI.Builder.redis("127.0.0.1", this.redis.port()).withTimeout(Duration.ofSeconds(2)).build();
		RedisRateLimitStore store = new RedisRateLimitStore(client, uri, Schedulers.boundedElastic(),
				new MemoryRateLimitStore(new TokenBuckets(System::nanoTime, 1_000)), 2, TIMEOUT, RETRY_INTERVAL,
				System::nanoTime, registry);
		this.stores.add(store);
		return store;
	}

	/**
	 * A template for reading Redis back, connected on first use. It is closed before Redis is stopped, so that it
	 * never reconnects at the same moment as a store: BlockHound flags Netty's buffer allocator when two event
	 * loops contend for it while registering channels, and the loser's connection then never completes.
	 */
	private ReactiveStringRedisTemplate redisView() {
		if (this.view == null) {
			LettuceClientConfiguration client = LettuceClientConfiguration.builder()
				.clientOptions(ClientOptions.builder()
					.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
					.build())
				.commandTimeout(Duration.ofSeconds(2))
				.build();
			LettuceConnectionFactory factory = new LettuceConnectionFactory(
					new RedisStandaloneConfiguration("127.0.0.1", this.redis.port()), client);
			factory.afterPropertiesSet();
			factory.start();
			this.viewFactory = factory;
			this.view = new ReactiveStringRedisTemplate(factory);
		}
		return this.view;
	}

	private void closeView() {
		if (this.viewFactory != null) {
			this.viewFactory.destroy();
			this.viewFactory = null;
			this.view = null;
		}
	}

	private void stopRedis() {
		closeView();
		this.redis.stop();
	}

	private static Decision decide(RateLimitStore store, Charge charge) {
		return store.decide(charge).block(Duration.ofSeconds(5));
	}

	private void assertDecidedByRedis() {
		assertThat(storeErrors()).isZero();
		assertThat(fallbackDecisions()).isZero();
		assertThat(fallbackActive()).isZero();
	}

	/** Store errors since the store under test first decided with Redis. */
	private double storeErrors() {
		return this.meters.get("infosysta.gateway.ratelimit.store.errors").tag("store", "redis").counter().count()
				- this.errorsBaseline;
	}

	/** Local decisions since the store under test first decided with Redis. */
	private double fallbackDecisions() {
		return this.meters.get("infosysta.gateway.ratelimit.fallback.decisions").counter().count()
				- this.fallbackBaseline;
	}

	private double fallbackActive() {
		return this.meters.get("infosysta.gateway.ratelimit.fallback.active").gauge().value();
	}

	/** WARNs since the store under test first decided with Redis. */
	private List<ILoggingEvent> warnings() {
		List<ILoggingEvent> all = allWarnings();
		return all.subList(this.warningsBaseline, all.size());
	}

	private List<ILoggingEvent> allWarnings() {
		synchronized (this.log) {
			return this.log.list.stream().filter(event -> event.getLevel() == Level.WARN).toList();
		}
	}

	private List<String> messages(Level level) {
		synchronized (this.log) {
			return this.log.list.stream()
				.filter(event -> event.getLevel() == level)
				.map(ILoggingEvent::getFormattedMessage)
				.toList();
		}
	}

}
