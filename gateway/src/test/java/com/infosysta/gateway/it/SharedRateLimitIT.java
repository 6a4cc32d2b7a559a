package com.infosysta.gateway.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import com.infosysta.gateway.app.GatewayApplication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two gateway replicas sharing one real Redis enforce one limit together, and keep answering (from local
 * buckets with the plan divided between them) while Redis is down, then share again once it is back.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
final class SharedRateLimitIT {

	static final double RATE = 20;

	static final int BURST = 10;

	static StandInUpstream upstream;

	static RedisProcess redis;

	static final List<ConfigurableApplicationContext> replicas = new ArrayList<>();

	@BeforeAll
	static void start() throws IOException {
		upstream = StandInUpstream.start();
		redis = RedisProcess.start();
		Path registry = Files.createTempFile("shared-limit", ".yml");
		Files.writeString(registry, """
				plans:
				  shared: { tenant: { rate: %s, burst: %d, in-flight: 100 }, subject: { rate: 1000, burst: 1000 } }
				tenants:
				  - id: acme
				    deployment: server
				    base-url: %s
				    plan: shared
				""".formatted(RATE, BURST, upstream.baseUrl()));
		for (int i = 0; i < 2; i++) {
			replicas.add(new SpringApplicationBuilder(GatewayApplication.class, OwnReactorResources.class).run("--server.port=0",
					"--management.server.port=0", "--infosysta.gateway.registry-file=" + registry,
					"--infosysta.gateway.upstream.allow-http=true",
					"--infosysta.gateway.upstream.allow-private-addresses=true",
					"--" + TestSecrets.SUBJECT_KEY_PROPERTY + "=" + TestSecrets.SUBJECT_KEY_SECRET,
					"--infosysta.gateway.rate-limit.store=redis", "--infosysta.gateway.rate-limit.replicas=2",
					"--infosysta.gateway.rate-limit.redis-retry-interval=200ms",
					"--spring.data.redis.host=127.0.0.1", "--spring.data.redis.port=" + redis.port));
		}
	}

	@AfterAll
	static void stop() throws InterruptedException {
		replicas.forEach(ConfigurableApplicationContext::close);
		redis.close();
		upstream.close();
	}

	@Test
	@Order(1)
	void bothReplicasTogetherLetThroughOneSharedLimit() {
		long started = System.nanoTime();
		Map<Integer, AtomicInteger> statuses = load(Duration.ofSeconds(3));
		double seconds = (System.nanoTime() - started) / 1e9;

		int accepted = statuses.getOrDefault(200, new AtomicInteger()).get();
		double ceiling = BURST + RATE * seconds;
		assertThat(statuses.keySet()).as("statuses").containsOnly(200, 429);
		assertThat(accepted).isLessThanOrEqualTo((int) Math.ceil(ceiling * 1.05));
		assertThat(accepted).isGreaterThanOrEqualTo((int) Math.floor(ceiling * 0.9));
	}

	@Test
	@Order(2)
	void keepsAnsweringWhileRedisIsDownAndSharesAgainWhenItIsBack() throws Exception {
		double errorsBefore = storeErrors();
		redis.stop();
		Map<Integer, AtomicInteger> duringOutage = load(Duration.ofSeconds(2));

		assertThat(duringOutage.keySet()).as("no 5xx while Redis is down").allMatch(status -> status < 500);
		assertThat(duringOutage.get(200)).isNotNull();
		assertThat(storeErrors()).isGreaterThan(errorsBefore);
		assertThat(fallbackActive()).isEqualTo(2.0);

		redis.restart();
		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			load(Duration.ofMillis(300));
			assertThat(fallbackActive()).isZero();
		});
	}

	/** Eight concurrent callers per replica for the given time; counts of answers by status. */
	private static Map<Integer, AtomicInteger> load(Duration duration) {
		Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
		List<Flux<Integer>> callers = new ArrayList<>();
		for (ConfigurableApplicationContext replica : replicas) {
			int port = ((WebServerApplicationContext) replica).getWebServer().getPort();
			HttpClient client = HttpClient.create(ConnectionProvider.builder("load-" + port).maxConnections(8).build())
				.baseUrl("http://127.0.0.1:" + port)
				.headers(headers -> headers.set("Authorization", TestClient.BASIC));
			callers.add(Flux.range(0, Integer.MAX_VALUE)
				.flatMap(i -> client.get().uri("/jira/acme/rest/api/2/myself").response().map(r -> r.status().code()),
						8)
				.take(duration));
		}
		Flux.merge(callers).doOnNext(status -> statuses.computeIfAbsent(status, key -> new AtomicInteger())
			.incrementAndGet()).blockLast(duration.plusSeconds(30));
		return statuses;
	}

	private static double storeErrors() {
		return replicas.stream()
			.mapToDouble(replica -> replica.getBean(MeterRegistry.class)
				.get("infosysta.gateway.ratelimit.store.errors")
				.counter()
				.count())
			.sum();
	}

	private static double fallbackActive() {
		return replicas.stream()
			.mapToDouble(replica -> replica.getBean(MeterRegistry.class)
				.get("infosysta.gateway.ratelimit.fallback.active")
				.gauge()
				.value())
			.sum();
	}

}
