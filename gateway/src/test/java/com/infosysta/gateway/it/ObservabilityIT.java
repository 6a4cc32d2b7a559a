package com.infosysta.gateway.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.infosysta.gateway.app.GatewayApplication;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The metric catalogue of README.md, checked on the real gateway: allowed, refused, failing and rate-limited
 * calls are driven through it, {@code /actuator/prometheus} is scraped from the management port, and each
 * catalogued meter is there with the documented tags and the values the traffic implies. Then 10,000 calls with
 * distinct users and paths through one tenant must add no series at all.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
final class ObservabilityIT {

	static final StandInUpstream UPSTREAM = StandInUpstream.start();

	/** A series line of the Prometheus text format: name, labels, value. */
	private static final Pattern SERIES = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)$",
			Pattern.MULTILINE);

	private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\"");

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) throws IOException {
		Path file = Files.createTempDirectory("observability-it").resolve("registry.yml");
		Files.writeString(file, """
				plans:
				  tiny: { tenant: { rate: 0.01, burst: 2, in-flight: 10 }, subject: { rate: 0.01, burst: 100 } }
				  huge: { tenant: { rate: 100000, burst: 100000, in-flight: 1000 }, subject: { rate: 1000, burst: 1000 } }
				tenants:
				  - { id: acme, deployment: server, base-url: "%1$s", plan: huge }
				  - { id: small, deployment: server, base-url: "%1$s", plan: tiny }
				  - { id: gone, deployment: server, base-url: "http://127.0.0.1:%2$d", plan: huge }
				""".formatted(UPSTREAM.baseUrl(), ResilienceIT.closedPort()));
		registry.add("infosysta.gateway.registry-file", file::toString);
		registry.add("infosysta.gateway.upstream.allow-http", () -> "true");
		registry.add("infosysta.gateway.upstream.allow-private-addresses", () -> "true");
		registry.add("infosysta.gateway.retry.enabled", () -> "false");
		registry.add(TestSecrets.SUBJECT_KEY_PROPERTY, () -> TestSecrets.SUBJECT_KEY_SECRET);
		registry.add("infosysta.gateway.rate-limit.failed-auth.burst", () -> "100000");
		registry.add("management.server.port", () -> "0");
	}

	@AfterAll
	static void stop() {
		UPSTREAM.close();
	}

	@Test
	@Order(1)
	void everyCataloguedMeterIsExportedWithItsTagsAndValues() {
		TestClient client = new TestClient(this.port, headers -> headers.set("Authorization", TestClient.BASIC));
		for (int i = 0; i < 3; i++) {
			assertThat(client.get("/jira/acme/rest/api/2/issue/A-" + i).status()).isEqualTo(200);
		}
		assertThat(client.send(io.netty.handler.codec.http.HttpMethod.POST, "/jira/acme/rest/api/2/issue",
				headers -> {
				}).status()).isEqualTo(200);
		assertThat(new TestClient(this.port).get("/jira/acme/rest/api/2/myself").status()).as("no credential")
			.isEqualTo(401);
		assertThat(client.get("/jira/acme/status/503").status()).as("the upstream's own 503 passes").isEqualTo(503);
		assertThat(client.get("/jira/gone/rest/api/2/issue/B-1").status()).as("refused connection").isEqualTo(502);
		assertThat(client.get("/jira/nobody/rest/api/2/issue/C-1").status()).isEqualTo(404);
		List<Integer> small = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			small.add(client.get("/jira/small/rest/api/2/issue/D-" + i).status());
		}
		assertThat(small).as("burst 2, then refused").containsExactly(200, 200, 429, 429);

		String scrape = scrape();
		Map<String, Double> series = series(scrape);
		// Requests: route, tenant, method, status class.
		assertThat(series).containsEntry(
				"infosysta_gateway_requests_seconds_count{method=\"GET\",route=\"jira\",status=\"2xx\",tenant=\"acme\"}",
				3.0);
		assertThat(series).containsEntry(
				"infosysta_gateway_requests_seconds_count{method=\"POST\",route=\"jira\",status=\"2xx\",tenant=\"acme\"}",
				1.0);
		assertThat(series).containsEntry(
				"infosysta_gateway_requests_seconds_count{method=\"GET\",route=\"jira\",status=\"4xx\",tenant=\"none\"}",
				1.0);
		assertThat(series).containsEntry(
				"infosysta_gateway_requests_seconds_count{method=\"GET\",route=\"jira\",status=\"5xx\",tenant=\"gone\"}",
				1.0);
		assertThat(series).containsEntry(
				"infosysta_gateway_requests_seconds_count{method=\"GET\",route=\"jira\",status=\"4xx\",tenant=\"small\"}",
				2.0);
		// Fixed SLO buckets, the same on every replica.
		for (String le : List.of("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0",
				"30.0", "+Inf")) {
			assertThat(series).containsKey("infosysta_gateway_requests_seconds_bucket{le=\"" + le
					+ "\",method=\"GET\",route=\"jira\",status=\"2xx\",tenant=\"acme\"}");
		}
		// Overhead only where an upstream answered (3 GETs + 1 POST + 503 for acme; none for the refused call).
		assertThat(series).containsEntry("infosysta_gateway_overhead_seconds_count{route=\"jira\",tenant=\"acme\"}",
				5.0);
		assertThat(series).doesNotContainKey("infosysta_gateway_overhead_seconds_count{route=\"jira\",tenant=\"gone\"}");
		assertThat(series).containsKey("infosysta_gateway_overhead_seconds_bucket{le=\"5.0E-4\",route=\"jira\",tenant=\"acme\"}");
		double overhead = series.get("infosysta_gateway_overhead_seconds_sum{route=\"jira\",tenant=\"acme\"}");
		double total = series.get(
				"infosysta_gateway_requests_seconds_sum{method=\"GET\",route=\"jira\",status=\"2xx\",tenant=\"acme\"}");
		assertThat(overhead).as("overhead is a part of the total time").isGreaterThan(0).isLessThan(total
				+ series.get("infosysta_gateway_requests_seconds_sum{method=\"POST\",route=\"jira\",status=\"2xx\",tenant=\"acme\"}")
				+ series.get("infosysta_gateway_requests_seconds_sum{method=\"GET\",route=\"jira\",status=\"5xx\",tenant=\"acme\"}"));
		// Upstream time by the upstream's status, and "error" when no answer came.
		assertThat(series).containsEntry("infosysta_gateway_upstream_seconds_count{route=\"jira\",status=\"2xx\",tenant=\"acme\"}", 4.0);
		assertThat(series).containsEntry("infosysta_gateway_upstream_seconds_count{route=\"jira\",status=\"5xx\",tenant=\"acme\"}", 1.0);
		assertThat(series).containsEntry("infosysta_gateway_upstream_seconds_count{route=\"jira\",status=\"error\",tenant=\"gone\"}", 1.0);
		// The gateway's own answers, by reason.
		assertThat(series).containsEntry(
				"infosysta_gateway_problems_total{reason=\"credential-missing\",route=\"jira\",status=\"401\",tenant=\"acme\"}", 1.0);
		assertThat(series).containsEntry(
				"infosysta_gateway_problems_total{reason=\"unknown-tenant\",route=\"jira\",status=\"404\",tenant=\"none\"}", 1.0);
		assertThat(series).containsEntry(
				"infosysta_gateway_problems_total{reason=\"upstream-unavailable\",route=\"jira\",status=\"502\",tenant=\"gone\"}", 1.0);
		assertThat(series).containsEntry(
				"infosysta_gateway_problems_total{reason=\"rate-limited\",route=\"jira\",status=\"429\",tenant=\"small\"}", 2.0);
		// Capabilities' own meters.
		assertThat(series).containsEntry("infosysta_gateway_ratelimit_decisions_total{outcome=\"refused\",scope=\"tenant\"}", 2.0);
		assertThat(series.keySet()).anyMatch(key -> key.startsWith("infosysta_gateway_credential_verifications_total{")
				&& key.contains("kind=\"basic\"") && key.contains("outcome=\"accepted\""));
		assertThat(series.keySet()).anyMatch(key -> key.startsWith("resilience4j_circuitbreaker_state{")
				&& key.contains("name=\"gone\"") && key.contains("state=\"closed\""));
		assertThat(series).containsKey("infosysta_gateway_resilience_rejections_total{reason=\"circuit-open\"}");
		assertThat(series).containsEntry("infosysta_gateway_registry_tenants", 3.0);
		assertThat(series).containsEntry("infosysta_gateway_registry_reload_failing", 0.0);
		assertThat(series.keySet()).as("the registry's hash, one series")
			.filteredOn(key -> key.startsWith("infosysta_gateway_registry_info{hash=\""))
			.singleElement()
			.satisfies(key -> assertThat(key).matches("infosysta_gateway_registry_info\\{hash=\"[0-9a-f]{12}\"\\}"));
		assertThat(series).containsKey("infosysta_gateway_upstream_connections{state=\"active\"}");
		assertThat(series).containsKey("infosysta_gateway_upstream_connections{state=\"idle\"}");
		assertThat(series).containsKey("infosysta_gateway_netty_memory_bytes{type=\"direct\"}");
		assertThat(series.keySet()).anyMatch(key -> key.startsWith("jvm_memory_used_bytes{"));
		assertThat(series).containsKey("process_cpu_usage");
		// Spring's own per-request meter is off: the gateway's replaces it.
		assertThat(scrape).doesNotContain("http_server_requests_seconds");
	}

	@Test
	@Order(2)
	void tenThousandUsersAndPathsThroughOneTenantAddNoSeries() {
		// Warm-up: every series this traffic can touch exists (and any first-call meters are registered).
		drive(0, 50);
		TreeSet<String> before = new TreeSet<>(series(scrape()).keySet());
		drive(50, 10_000);
		TreeSet<String> after = new TreeSet<>(series(scrape()).keySet());
		TreeSet<String> added = new TreeSet<>(after);
		added.removeAll(before);
		// The JVM's own series appear with its events (a first GC of some kind), not with the traffic's variety.
		added.removeIf(key -> key.startsWith("jvm_"));
		assertThat(added).as("series added by 10,000 distinct users and paths").isEmpty();
		assertThat(series(scrape())).hasEntrySatisfying(
				"infosysta_gateway_requests_seconds_count{method=\"GET\",route=\"jira\",status=\"2xx\",tenant=\"acme\"}",
				count -> assertThat(count).isGreaterThanOrEqualTo(10_000 + 3));
	}

	/** Calls with distinct users (Basic credentials) and distinct paths and queries, 32 at a time. */
	private void drive(int from, int to) {
		HttpClient client = HttpClient.create(ConnectionProvider.builder("cardinality").maxConnections(32).build())
			.baseUrl("http://127.0.0.1:" + this.port)
			.responseTimeout(Duration.ofSeconds(20));
		List<Integer> statuses = Flux.range(from, to - from)
			.flatMap(i -> client
				.headers(headers -> headers.set("Authorization", "Basic " + Base64.getEncoder()
					.encodeToString(("user" + i + "@example.com:token-" + i).getBytes())))
				.get()
				.uri("/jira/acme/rest/api/2/issue/PRJ-" + i + "?fields=summary&n=" + i)
				.responseSingle((response, body) -> body.then(reactor.core.publisher.Mono.just(response.status().code()))),
					32)
			.collectList()
			.block(Duration.ofMinutes(3));
		assertThat(statuses).hasSize(to - from).containsOnly(200);
	}

	/** Labels in name order ({@code le} is printed last by the registry), so keys can be written by hand. */
	private static String sortedLabels(String labels) {
		List<String> pairs = new ArrayList<>();
		Matcher pair = LABEL.matcher(labels);
		while (pair.find()) {
			pairs.add(pair.group());
		}
		java.util.Collections.sort(pairs);
		return "{" + String.join(",", pairs) + "}";
	}

	private String scrape() {
		return new TestClient(this.managementPort).get("/actuator/prometheus").body();
	}

	/** Every series of a scrape, keyed by name and labels as printed, with its value. */
	static Map<String, Double> series(String scrape) {
		Map<String, Double> series = new java.util.HashMap<>();
		Matcher matcher = SERIES.matcher(scrape);
		while (matcher.find()) {
			String labels = (matcher.group(2) != null) ? sortedLabels(matcher.group(2)) : "";
			try {
				series.put(matcher.group(1) + labels, Double.parseDouble(matcher.group(3)));
			}
			catch (NumberFormatException ex) {
				// Not a sample line.
			}
		}
		return series;
	}

}
