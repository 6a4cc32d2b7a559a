package com.infosysta.gateway.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.infosysta.gateway.app.GatewayApplication;

import static org.assertj.core.api.Assertions.assertThat;

/** The gateway's own limits as a client sees them: 429 with Retry-After and the IETF draft fields. */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
final class RateLimitIT {

	static final StandInUpstream UPSTREAM = StandInUpstream.start();

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) throws IOException {
		Path file = Files.createTempDirectory("rate-limit-it").resolve("registry.yml");
		Files.writeString(file, """
				plans:
				  tiny: { tenant: { rate: 0.1, burst: 5, in-flight: 10 }, subject: { rate: 0.1, burst: 3 } }
				tenants:
				  - id: acme
				    deployment: server
				    base-url: %1$s
				    plan: tiny
				  - id: wide
				    deployment: server
				    base-url: %1$s
				""".formatted(UPSTREAM.baseUrl()));
		registry.add("infosysta.gateway.registry-file", file::toString);
		registry.add("infosysta.gateway.upstream.allow-http", () -> "true");
		registry.add("infosysta.gateway.upstream.allow-private-addresses", () -> "true");
		registry.add(TestSecrets.SUBJECT_KEY_PROPERTY, () -> TestSecrets.SUBJECT_KEY_SECRET);
		registry.add("infosysta.gateway.rate-limit.failed-auth.per-minute", () -> "1");
		registry.add("infosysta.gateway.rate-limit.failed-auth.burst", () -> "3");
		registry.add("management.server.port", () -> "0");
	}

	@AfterAll
	static void stop() {
		UPSTREAM.close();
	}

	@Test
	@Order(1)
	void limitsEachUserThenTheWholeTenantWith429AndRetryAfter() {
		TestClient alice = new TestClient(this.port, headers -> headers.set("Authorization", basic("alice")));
		TestClient bob = new TestClient(this.port, headers -> headers.set("Authorization", basic("bob")));

		TestClient.Response first = alice.get("/jira/acme/rest/api/2/myself");
		assertThat(first.status()).isEqualTo(200);
		assertThat(first.header("RateLimit-Policy")).isEqualTo("\"tenant\";q=5;w=50, \"subject\";q=3;w=30");
		assertThat(first.header("RateLimit")).matches("\"(tenant|subject)\";r=\\d+;t=\\d+");
		assertThat(alice.get("/jira/acme/rest/api/2/myself").status()).isEqualTo(200);
		assertThat(alice.get("/jira/acme/rest/api/2/myself").status()).isEqualTo(200);
		TestClient.Response aliceRefused = alice.get("/jira/acme/rest/api/2/myself");
		assertThat(aliceRefused.status()).isEqualTo(429);
		assertThat(Json.object(aliceRefused.body())).containsEntry("reason", "rate-limited");
		assertThat(Long.parseLong(aliceRefused.header("Retry-After"))).isBetween(1L, 10L);
		assertThat(aliceRefused.header("RateLimit")).startsWith("\"subject\";r=0;");

		assertThat(bob.get("/jira/acme/rest/api/2/myself").status()).isEqualTo(200);
		assertThat(bob.get("/jira/acme/rest/api/2/myself").status()).isEqualTo(200);
		TestClient.Response tenantRefused = bob.get("/jira/acme/rest/api/2/myself");
		assertThat(tenantRefused.status()).isEqualTo(429);
		assertThat(tenantRefused.header("RateLimit")).startsWith("\"tenant\";r=0;");
		assertThat(UPSTREAM.received().stream().filter(r -> r.uri().equals("/rest/api/2/myself")).count())
			.isEqualTo(5);
	}

	@Test
	@Order(2)
	void passesJirasOwn429ThroughWithTheGatewaysFields() {
		TestClient.Response response = new TestClient(this.port, headers -> headers.set("Authorization",
				basic("carol"))).get("/jira/wide/status/429");

		assertThat(response.status()).isEqualTo(429);
		assertThat(response.body()).isEqualTo("status");
		assertThat(response.header("RateLimit-Policy")).startsWith("\"tenant\";q=100");
	}

	/** Last: afterwards this test JVM's address is refused for a while. */
	@Test
	@Order(3)
	void refusesAnAddressAfterRepeatedFailedAuthenticationsBeforeVerifying() {
		TestClient anonymous = new TestClient(this.port);
		for (int i = 0; i < 3; i++) {
			assertThat(anonymous.get("/jira/nobody-" + i + "/rest/api/2/myself").status()).isEqualTo(404);
		}
		TestClient.Response refused = new TestClient(this.port, headers -> headers.set("Authorization",
				basic("dave"))).get("/jira/wide/rest/api/2/myself");

		assertThat(refused.status()).isEqualTo(429);
		assertThat(Json.object(refused.body())).containsEntry("reason", "too-many-failed-authentications");
		assertThat(refused.header("Retry-After")).isNotBlank();
	}

	private static String basic(String user) {
		return "Basic " + Base64.getEncoder().encodeToString((user + ":secret").getBytes(StandardCharsets.UTF_8));
	}

}
