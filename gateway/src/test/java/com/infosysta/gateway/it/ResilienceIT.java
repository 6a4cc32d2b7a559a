package com.infosysta.gateway.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.infosysta.gateway.app.GatewayApplication;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Per-tenant isolation against real upstreams on loopback: one customer's failing, hanging or rate-limited
 * Jira never fails another customer's calls.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
final class ResilienceIT {

	static final StandInUpstream UPSTREAM = StandInUpstream.start();

	@LocalServerPort
	int port;

	@Autowired
	MeterRegistry meters;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) throws IOException {
		Path file = Files.createTempDirectory("resilience-it").resolve("registry.yml");
		Files.writeString(file, """
				plans:
				  narrow: { tenant: { rate: 10000, burst: 10000, in-flight: 5 }, subject: { rate: 10000, burst: 10000 } }
				  open: { tenant: { rate: 10000, burst: 10000, in-flight: 500 }, subject: { rate: 10000, burst: 10000 } }
				tenants:
				  - { id: down, deployment: server, base-url: "http://127.0.0.1:%2$d", plan: open }
				  - { id: hanging, deployment: server, base-url: "%1$s", plan: narrow }
				  - { id: limited, deployment: server, base-url: "%1$s", plan: open }
				  - { id: healthy, deployment: server, base-url: "%1$s", plan: open }
				  - { id: flaky, deployment: server, base-url: "%1$s", plan: open }
				""".formatted(UPSTREAM.baseUrl(), closedPort()));
		registry.add("infosysta.gateway.registry-file", file::toString);
		registry.add("infosysta.gateway.upstream.allow-http", () -> "true");
		registry.add("infosysta.gateway.upstream.allow-private-addresses", () -> "true");
		registry.add("infosysta.gateway.upstream.response-timeout", () -> "10s");
		registry.add(TestSecrets.SUBJECT_KEY_PROPERTY, () -> TestSecrets.SUBJECT_KEY_SECRET);
		registry.add("infosysta.gateway.rate-limit.failed-auth.burst", () -> "100000");
		registry.add("infosysta.gateway.breaker.window", () -> "4");
		registry.add("infosysta.gateway.breaker.minimum-calls", () -> "4");
		registry.add("infosysta.gateway.breaker.open", () -> "2s");
		registry.add("management.server.port", () -> "0");
	}

	@AfterAll
	static void stop() {
		UPSTREAM.close();
	}

	@BeforeEach
	void clear() {
		UPSTREAM.clear();
	}

	@Test
	void opensTheBreakerOfAFailingTenantOnlyAndRetriesAGetOnce() {
		TestClient client = client("alice");
		double retriesBefore = counter("infosysta.gateway.upstream.retries");
		for (int i = 0; i < 20; i++) {
			client.get("/jira/healthy/rest/api/2/myself");
		}
		assertThat(client.get("/jira/down/rest/api/2/myself").status()).isEqualTo(502);
		assertThat(counter("infosysta.gateway.upstream.retries")).isEqualTo(retriesBefore + 1);
		client.send(HttpMethod.POST, "/jira/down/rest/api/2/issue", headers -> headers.set("Content-Length", "0"));
		assertThat(counter("infosysta.gateway.upstream.retries")).isEqualTo(retriesBefore + 1);
		client.get("/jira/down/rest/api/2/myself");
		client.get("/jira/down/rest/api/2/myself");

		TestClient.Response open = client.get("/jira/down/rest/api/2/myself");

		assertThat(open.status()).isEqualTo(503);
		assertThat(Json.object(open.body())).containsEntry("reason", "circuit-open");
		assertThat(Long.parseLong(open.header("Retry-After"))).isBetween(1L, 2L);
		assertThat(client.get("/jira/healthy/rest/api/2/myself").status()).isEqualTo(200);
	}

	@Test
	void opensOnRepeated5xxThenLetsAProbeThroughAndClosesWhenTheUpstreamRecovers() {
		TestClient client = client("erin");
		for (int i = 0; i < 4; i++) {
			assertThat(client.get("/jira/flaky/status/503").status()).isEqualTo(503);
		}
		int upstreamCalls = UPSTREAM.count();
		TestClient.Response open = client.get("/jira/flaky/rest/api/2/myself");
		assertThat(Json.object(open.body())).containsEntry("reason", "circuit-open");
		assertThat(UPSTREAM.count()).isEqualTo(upstreamCalls);

		org.awaitility.Awaitility.await()
			.atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(200))
			.until(() -> client.get("/jira/flaky/rest/api/2/myself").status() == 200);
		for (int i = 0; i < 5; i++) {
			assertThat(client.get("/jira/flaky/rest/api/2/myself").status()).isEqualTo(200);
		}
	}

	@Test
	void aHangingTenantFillsOnlyItsOwnBulkheadWhileAnotherTenantIsServed() {
		Map<Integer, AtomicInteger> hanging = new ConcurrentHashMap<>();
		HttpClient callers = HttpClient.create(ConnectionProvider.builder("hanging").maxConnections(200).build())
			.baseUrl("http://127.0.0.1:" + this.port)
			.headers(headers -> headers.set("Authorization", basic("bob")))
			.responseTimeout(Duration.ofSeconds(30));
		var load = Flux.range(0, 200)
			.flatMap(i -> callers.get().uri("/jira/hanging/slow/3000").response().map(r -> r.status().code()), 200)
			.doOnNext(status -> hanging.computeIfAbsent(status, key -> new AtomicInteger()).incrementAndGet())
			.subscribe();
		try {
			TestClient healthy = client("carol");
			for (int i = 0; i < 50; i++) {
				assertThat(healthy.get("/jira/healthy/rest/api/2/myself").status()).as("healthy call %d", i)
					.isEqualTo(200);
			}
		}
		finally {
			org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
				.until(() -> hanging.values().stream().mapToInt(AtomicInteger::get).sum() == 200);
			load.dispose();
		}
		assertThat(hanging.get(200).get()).isBetween(1, 5 * 2);
		assertThat(hanging.get(503).get()).isGreaterThanOrEqualTo(190);
		assertThat(hanging.keySet()).containsOnly(200, 503);
	}

	@Test
	void coolsDownATenantAfterJirasTenantWide429AndOnlyTheUserAfterAPerUser429() {
		TestClient alice = client("alice");
		TestClient bob = client("bob");

		TestClient.Response jira429 = alice.get("/jira/limited/status/429", headers -> headers
			.set("X-Test-Response-Retry-After", "20")
			.set("X-Test-Response-RateLimit-Reason", "jira-per-issue-on-write"));
		assertThat(jira429.status()).isEqualTo(429);
		assertThat(jira429.header("Retry-After")).isEqualTo("20");
		assertThat(jira429.header("RateLimit-Reason")).isEqualTo("jira-per-issue-on-write");
		int upstreamCalls = UPSTREAM.count();

		TestClient.Response held = alice.get("/jira/limited/rest/api/2/myself");
		assertThat(held.status()).isEqualTo(429);
		assertThat(Json.object(held.body())).containsEntry("reason", "jira-cool-down");
		assertThat(Long.parseLong(held.header("Retry-After"))).isBetween(1L, 20L);
		assertThat(UPSTREAM.count()).isEqualTo(upstreamCalls);
		assertThat(bob.get("/jira/limited/rest/api/2/myself").status()).isEqualTo(200);

		bob.get("/jira/limited/status/429", headers -> headers.set("X-Test-Response-Retry-After", "20"));
		assertThat(client("dave").get("/jira/limited/rest/api/2/myself").status()).isEqualTo(429);
		assertThat(client("dave").get("/jira/healthy/rest/api/2/myself").status()).isEqualTo(200);
	}

	/** A loopback port nobody listens on: connecting is refused at once. */
	static int closedPort() throws IOException {
		try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	private TestClient client(String user) {
		return new TestClient(this.port, headers -> headers.set("Authorization", basic(user)));
	}

	private double counter(String name) {
		return this.meters.get(name).counter().count();
	}

	private static String basic(String user) {
		return "Basic " + Base64.getEncoder().encodeToString((user + ":secret").getBytes(StandardCharsets.UTF_8));
	}


}
