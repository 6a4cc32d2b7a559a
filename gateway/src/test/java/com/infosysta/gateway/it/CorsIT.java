package com.infosysta.gateway.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.infosysta.gateway.app.GatewayApplication;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * CORS for browser-hosted clients against the real gateway: preflights are answered by the gateway alone, and
 * only the listed origins ever see a CORS header.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
final class CorsIT {

	static final StandInUpstream UPSTREAM = StandInUpstream.start();

	static final String ADDIN = "https://addin.example.com";

	static final String APP_UI = "https://ui.example.com";

	static final String STRANGER = "https://evil.example.net";

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) throws IOException {
		Path file = Files.createTempDirectory("cors-it").resolve("registry.yml");
		Files.writeString(file, """
				tenants:
				  - id: acme
				    deployment: server
				    base-url: %1$s/jira
				    cors-origins: [%2$s]
				  - id: globex
				    deployment: server
				    base-url: %1$s/jira
				""".formatted(UPSTREAM.baseUrl(), ADDIN));
		registry.add("infosysta.gateway.registry-file", file::toString);
		registry.add("infosysta.gateway.upstream.allow-http", () -> "true");
		registry.add("infosysta.gateway.upstream.allow-private-addresses", () -> "true");
		registry.add("infosysta.gateway.apps.outlook-to-jira.key", () -> "com.infosysta.outlook");
		registry.add("infosysta.gateway.apps.outlook-to-jira.cors-origins[0]", () -> APP_UI);
		registry.add("management.server.port", () -> "0");
		registry.add(TestSecrets.SUBJECT_KEY_PROPERTY, () -> TestSecrets.SUBJECT_KEY_SECRET);
		registry.add("infosysta.gateway.rate-limit.failed-auth.burst", () -> "100000");
	}

	@AfterAll
	static void stopUpstream() {
		UPSTREAM.close();
	}

	@BeforeEach
	void clearUpstream() {
		UPSTREAM.clear();
	}

	@Test
	void answersAPreflightFromAnAllowedOriginItselfWithoutReachingTheUpstream() {
		TestClient.Response response = client().send(HttpMethod.OPTIONS, "/jira/acme/rest/api/2/issue",
				headers -> headers.set("Origin", ADDIN)
					.set("Access-Control-Request-Method", "POST")
					.set("Access-Control-Request-Headers", "authorization,content-type,x-request-id,traceparent"));

		assertThat(response.status()).isEqualTo(204);
		assertThat(response.headers().getAll("Access-Control-Allow-Origin")).containsExactly(ADDIN);
		assertThat(response.header("Access-Control-Allow-Methods")).contains("POST", "GET", "DELETE");
		assertThat(response.header("Access-Control-Allow-Headers"))
			.isEqualTo("authorization, content-type, x-request-id, traceparent");
		assertThat(response.header("Access-Control-Max-Age")).isEqualTo("600");
		assertThat(response.header("Vary")).contains("Origin");
		assertThat(response.headers().contains("Access-Control-Allow-Credentials")).isFalse();
		assertThat(response.header("X-Request-Id")).isNotBlank();
		assertThat(response.header("Cache-Control")).isEqualTo("no-store");
		assertThat(UPSTREAM.count()).as("a preflight never reaches Jira").isZero();
	}

	@Test
	void answersAnAppUisPreflightFromTheAppsOrigin() {
		TestClient.Response response = client().send(HttpMethod.OPTIONS,
				"/apps/outlook-to-jira/jira/rest/api/3/myself",
				headers -> headers.set("Origin", APP_UI).set("Access-Control-Request-Method", "GET"));

		assertThat(response.status()).isEqualTo(204);
		assertThat(response.header("Access-Control-Allow-Origin")).isEqualTo(APP_UI);
		assertThat(UPSTREAM.count()).isZero();
	}

	@Test
	void refusesAPreflightFromAnyOtherOriginWithoutCorsHeaders() {
		for (String[] call : new String[][] { { "/jira/acme/rest/api/2/issue", STRANGER },
				{ "/jira/acme/rest/api/2/issue", APP_UI }, { "/jira/globex/rest/api/2/issue", ADDIN },
				{ "/apps/outlook-to-jira/jira/rest/api/3/myself", ADDIN } }) {
			TestClient.Response response = client().send(HttpMethod.OPTIONS, call[0],
					headers -> headers.set("Origin", call[1]).set("Access-Control-Request-Method", "GET"));

			assertThat(response.status()).as("%s from %s", call[0], call[1]).isEqualTo(403);
			assertThat(Json.object(response.body()).get("reason")).isEqualTo("cors-not-allowed");
			assertNoCorsHeaders(response);
		}
		assertThat(UPSTREAM.count()).isZero();
	}

	@Test
	void refusesAPreflightForAHeaderOffTheList() {
		TestClient.Response response = client().send(HttpMethod.OPTIONS, "/jira/acme/rest/api/2/issue",
				headers -> headers.set("Origin", ADDIN)
					.set("Access-Control-Request-Method", "GET")
					.set("Access-Control-Request-Headers", "authorization, x-forwarded-for"));

		assertThat(response.status()).isEqualTo(403);
		assertNoCorsHeaders(response);
		assertThat(UPSTREAM.count()).isZero();
	}

	@Test
	void answersAPreflightToAnUnknownTenantAsAnyCallThere() {
		TestClient.Response response = client().send(HttpMethod.OPTIONS, "/jira/nobody/rest/api/2/issue",
				headers -> headers.set("Origin", ADDIN).set("Access-Control-Request-Method", "GET"));

		assertThat(response.status()).isEqualTo(404);
		assertThat(Json.object(response.body()).get("reason")).isEqualTo("unknown-tenant");
		assertNoCorsHeaders(response);
	}

	@Test
	void letsAnAllowedOriginReadAnAnswerAndTheHeadersItNeeds() {
		TestClient.Response response = client().get("/jira/acme/rest/api/2/myself",
				headers -> headers.set("Origin", ADDIN).set("Authorization", TestClient.BASIC));

		assertThat(response.status()).isEqualTo(200);
		assertThat(response.headers().getAll("Access-Control-Allow-Origin")).containsExactly(ADDIN);
		assertThat(response.header("Access-Control-Expose-Headers")).contains("X-Request-Id", "Retry-After",
				"RateLimit", "RateLimit-Policy");
		assertThat(response.header("Vary")).contains("Origin");
		assertThat(response.header("X-Request-Id")).isNotBlank();
		assertThat(response.header("RateLimit-Policy")).isNotBlank();
		assertThat(UPSTREAM.count()).isOne();
	}

	@Test
	void letsAnAllowedOriginReadTheGatewaysOwnRefusals() {
		TestClient.Response response = client().get("/jira/acme/rest/api/2/myself",
				headers -> headers.set("Origin", ADDIN));

		assertThat(response.status()).isEqualTo(401);
		assertThat(response.header("Access-Control-Allow-Origin")).isEqualTo(ADDIN);
		assertThat(UPSTREAM.count()).isZero();
	}

	@Test
	void givesAnyOtherOriginNoCorsHeaderEvenWhenTheUpstreamSendsSome() {
		TestClient.Response response = client().get("/jira/acme/status/200",
				headers -> headers.set("Origin", STRANGER)
					.set("Authorization", TestClient.BASIC)
					.set("X-Test-Response-Access-Control-Allow-Origin", "*")
					.set("X-Test-Response-Access-Control-Allow-Credentials", "true"));

		assertThat(response.status()).isEqualTo(200);
		assertThat(UPSTREAM.count()).isOne();
		assertNoCorsHeaders(response);
	}

	@Test
	void replacesTheUpstreamsCorsHeadersForAnAllowedOrigin() {
		TestClient.Response response = client().get("/jira/acme/status/200",
				headers -> headers.set("Origin", ADDIN)
					.set("Authorization", TestClient.BASIC)
					.set("X-Test-Response-Access-Control-Allow-Origin", "*")
					.set("X-Test-Response-Access-Control-Allow-Credentials", "true")
					.set("X-Test-Response-Access-Control-Allow-Methods", "TRACE"));

		assertThat(response.headers().getAll("Access-Control-Allow-Origin")).containsExactly(ADDIN);
		assertThat(response.headers().contains("Access-Control-Allow-Credentials")).isFalse();
		assertThat(response.headers().contains("Access-Control-Allow-Methods")).isFalse();
	}

	private TestClient client() {
		return new TestClient(this.port);
	}

	private static void assertNoCorsHeaders(TestClient.Response response) {
		assertThat(response.headers().names())
			.noneMatch(name -> name.toLowerCase(Locale.ROOT).startsWith("access-control-"));
	}

}
