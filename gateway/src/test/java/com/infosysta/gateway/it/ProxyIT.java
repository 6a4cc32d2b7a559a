package com.infosysta.gateway.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.infosysta.gateway.app.GatewayApplication;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real gateway on a random port in front of a real, streaming upstream on port 0. Each test asserts what
 * the upstream received as well as what the client got.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
final class ProxyIT {

	static final StandInUpstream UPSTREAM = StandInUpstream.start();

	static final String CLOUD_ID = "5c3fa0e2-8d1b-4a47-9c1e-6f0d2b7a9e11";

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	@Autowired
	ApplicationContext context;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) throws IOException {
		Path dir = Files.createTempDirectory("proxy-it");
		Path file = dir.resolve("registry.yml");
		String base = UPSTREAM.baseUrl();
		Files.writeString(file, """
				tenants:
				  - id: acme
				    deployment: cloud
				    base-url: %1$s/site
				    cloud-id: %2$s
				  - id: globex
				    deployment: server
				    base-url: %1$s/jira
				  - id: bare
				    deployment: server
				    base-url: %1$s
				  - id: closed
				    deployment: server
				    base-url: http://127.0.0.1:1
				  - id: disabled
				    deployment: server
				    base-url: %1$s
				    enabled: false
				""".formatted(base, CLOUD_ID));
		registry.add("infosysta.gateway.registry-file", file::toString);
		registry.add("infosysta.gateway.upstream.allow-http", () -> "true");
		registry.add("infosysta.gateway.upstream.allow-private-addresses", () -> "true");
		registry.add("infosysta.gateway.upstream.response-timeout", () -> "1s");
		registry.add("infosysta.gateway.atlassian.api-base-url", () -> base + "/api-host");
		registry.add("management.server.port", () -> "0");
		registry.add(TestSecrets.SUBJECT_KEY_PROPERTY, () -> TestSecrets.SUBJECT_KEY_SECRET);
		// Every test runs from 127.0.0.1: the brute-force guard is RateLimitIT's subject, not these tests'.
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

	/** Every call carries a user's Basic credential, as the tenants here accept. */
	TestClient client() {
		return new TestClient(this.port, headers -> headers.set("Authorization", TestClient.BASIC));
	}

	@Test
	void forwardsMethodPathUnderContextPathAndQueryByteForByte() {
		String query = "jql=project%20%3D%20ABC%20AND%20summary~%22a%2Bb%22&x=a+b&p=%2F&u=%C3%A9%E2%82%AC"
				+ "&star=*&tilde=~&empty=&flag&repeated=2&repeated=1";
		TestClient.Response response = client().get("/jira/globex/rest/api/2/search?" + query);

		assertThat(response.status()).isEqualTo(200);
		StandInUpstream.Received received = UPSTREAM.lastReceived();
		assertThat(received.method()).isEqualTo("GET");
		assertThat(received.uri()).isEqualTo("/jira/rest/api/2/search?" + query);
		assertThat(UPSTREAM.count()).isEqualTo(1);
	}

	@ParameterizedTest
	@ValueSource(strings = { "POST", "PUT", "PATCH", "DELETE" })
	void forwardsEachMethodWithItsBody(String method) {
		TestClient.Response response = client().send(HttpMethod.valueOf(method), "/jira/bare/rest/api/2/issue/A-1",
				headers -> headers.set("Content-Type", "application/json"));

		assertThat(response.status()).isEqualTo(200);
		assertThat(UPSTREAM.lastReceived().method()).isEqualTo(method);
		assertThat(UPSTREAM.lastReceived().uri()).isEqualTo("/rest/api/2/issue/A-1");
	}

	@Test
	void forwardsTheTenantRootToTheBaseUrl() {
		assertThat(client().get("/jira/globex").status()).isEqualTo(200);
		assertThat(UPSTREAM.lastReceived().uri()).isEqualTo("/jira");
	}

	@Test
	void sendsCloudOAuthCallsToTheAtlassianApiHostAndOtherCredentialsToTheSite() {
		client().get("/jira/acme/rest/api/3/myself?expand=groups",
				headers -> headers.set("Authorization", "Bearer opaque-oauth-token"));
		StandInUpstream.Received oauth = UPSTREAM.lastReceived();
		client().get("/jira/acme/rest/api/3/myself?expand=groups",
				headers -> headers.set("Authorization", "Basic dXNlckBleGFtcGxlLmNvbTp0b2tlbg=="));
		StandInUpstream.Received basic = UPSTREAM.lastReceived();

		assertThat(oauth.uri()).isEqualTo("/api-host/ex/jira/" + CLOUD_ID + "/rest/api/3/myself?expand=groups");
		assertThat(oauth.headers().get("Authorization")).isEqualTo("Bearer opaque-oauth-token");
		assertThat(basic.uri()).isEqualTo("/site/rest/api/3/myself?expand=groups");
		assertThat(basic.headers().get("Authorization")).isEqualTo("Basic dXNlckBleGFtcGxlLmNvbTp0b2tlbg==");
	}

	@Test
	void dropsHopByHopCookiesAndSpoofableHeadersButKeepsTheRest() {
		TestClient.Response response = client().get("/jira/bare/rest/api/2/myself", headers -> headers
			.set("Authorization", "Basic dXNlcjpwYXNz")
			.set("Accept", "application/json")
			.set("X-Custom", "kept")
			.set("Cookie", "JSESSIONID=client-session")
			.set("X-Infosysta-Identity", "forged")
			.set("X-Forwarded-For", "1.2.3.4")
			.set("X-Forwarded-Host", "evil.example")
			.set("Forwarded", "for=1.2.3.4")
			.set("X-Real-IP", "1.2.3.4")
			.set("X-HTTP-Method-Override", "DELETE")
			.set("Proxy-Authorization", "Basic Zm9vOmJhcg==")
			.set("TE", "trailers")
			.set("X-Request-Id", "client-req-42"));

		assertThat(response.status()).isEqualTo(200);
		var received = UPSTREAM.lastReceived().headers();
		assertThat(received.get("Authorization")).isEqualTo("Basic dXNlcjpwYXNz");
		assertThat(received.get("Accept")).isEqualTo("application/json");
		assertThat(received.get("X-Custom")).isEqualTo("kept");
		assertThat(received.get("Host")).isEqualTo("127.0.0.1:" + UPSTREAM.port());
		for (String dropped : new String[] { "Cookie", "X-Infosysta-Identity", "X-Forwarded-For", "X-Forwarded-Host",
				"Forwarded", "X-Real-IP", "X-HTTP-Method-Override", "Proxy-Authorization", "TE" }) {
			assertThat(received.contains(dropped)).as(dropped).isFalse();
		}
		assertThat(received.getAll("X-Request-Id")).containsExactly("client-req-42");
		assertThat(response.header("X-Request-Id")).isEqualTo("client-req-42");
	}

	@Test
	void dropsHeadersNamedInConnection() throws IOException {
		String answer = rawExchange("GET /jira/bare/rest/api/2/myself HTTP/1.1\r\nHost: gateway\r\n"
				+ "Authorization: " + TestClient.BASIC + "\r\n"
				+ "Connection: X-Secret-Hop, close\r\nX-Secret-Hop: 1\r\nX-Kept: 1\r\n\r\n");

		assertThat(answer).startsWith("HTTP/1.1 200");
		var received = UPSTREAM.lastReceived().headers();
		assertThat(received.contains("X-Secret-Hop")).isFalse();
		assertThat(received.get("X-Kept")).isEqualTo("1");
	}

	@Test
	void answersWithNoStoreAndWithoutTheUpstreamsCookies() {
		TestClient.Response response = client().get("/jira/bare/set-cookie");

		assertThat(response.status()).isEqualTo(200);
		assertThat(response.headers().getAll("Cache-Control")).containsExactly("no-store");
		assertThat(response.headers().contains("Set-Cookie")).isFalse();
		assertThat(response.body()).isEqualTo("{\"ok\":true}");
	}

	@Test
	void rewritesLocationsUnderTheTenantsBaseUrlAndFollowsNoRedirect() {
		TestClient.Response absolute = client().get("/jira/globex/redirect",
				headers -> headers.set("X-Test-Location", UPSTREAM.baseUrl() + "/jira/browse/ABC-1?focus=1"));
		TestClient.Response relative = client().get("/jira/globex/redirect",
				headers -> headers.set("X-Test-Location", "/jira/secure/Dashboard.jspa"));
		TestClient.Response elsewhere = client().get("/jira/globex/redirect",
				headers -> headers.set("X-Test-Location", "https://id.atlassian.com/login"));
		TestClient.Response siblingPath = client().get("/jira/globex/redirect",
				headers -> headers.set("X-Test-Location", UPSTREAM.baseUrl() + "/jiraX/a"));

		assertThat(absolute.status()).isEqualTo(302);
		assertThat(absolute.header("Location")).isEqualTo("/jira/globex/browse/ABC-1?focus=1");
		assertThat(relative.header("Location")).isEqualTo("/jira/globex/secure/Dashboard.jspa");
		assertThat(elsewhere.header("Location")).isEqualTo("https://id.atlassian.com/login");
		assertThat(siblingPath.header("Location")).isEqualTo(UPSTREAM.baseUrl() + "/jiraX/a");
		assertThat(UPSTREAM.count()).isEqualTo(4);
	}

	@Test
	void answersAMissingCredentialWith401AndForwardsNothing() {
		TestClient.Response response = new TestClient(this.port).get("/jira/globex/rest/api/2/myself");

		assertProblem(response, 401, "credential-missing");
		assertThat(response.header("WWW-Authenticate")).contains("Basic").contains("Bearer");
		assertThat(UPSTREAM.count()).isZero();
	}

	@Test
	void forwardsAPersonalAccessTokenToAServerTenantUnchanged() {
		TestClient.Response response = client().get("/jira/globex/rest/api/2/myself",
				headers -> headers.set("Authorization", "Bearer NjE2NjQ5NzU0ODE2OpW9sTQ6bGpT"));

		assertThat(response.status()).isEqualTo(200);
		assertThat(UPSTREAM.lastReceived().uri()).isEqualTo("/jira/rest/api/2/myself");
		assertThat(UPSTREAM.lastReceived().headers().get("Authorization"))
			.isEqualTo("Bearer NjE2NjQ5NzU0ODE2OpW9sTQ6bGpT");
	}

	@Test
	void answersACredentialKindTheTenantDoesNotAcceptWith401() {
		TestClient.Response response = client().get("/jira/globex/rest/api/2/myself",
				headers -> headers.set("Authorization", "JWT eyJhbGciOiJIUzI1NiJ9.e30.c2ln"));

		assertProblem(response, 401, "credential-not-accepted");
		assertThat(UPSTREAM.count()).isZero();
	}

	@Test
	void answersAnUnknownTenantWith404Problem() {
		TestClient.Response response = client().get("/jira/nobody/rest/api/2/myself");

		assertProblem(response, 404, "unknown-tenant");
		assertThat(UPSTREAM.count()).isZero();
	}

	@Test
	void answersAnUnknownRouteAndThePublicActuatorWith404Problem() {
		assertProblem(client().get("/nothing/here"), 404, "unknown-route");
		assertProblem(client().get("/actuator/health"), 404, "unknown-route");
		assertProblem(client().get("/actuator/prometheus"), 404, "unknown-route");
		assertProblem(client().get("/actuator/gateway/routes"), 404, "unknown-route");
	}

	@Test
	void answersADisabledTenantWith403Problem() {
		assertProblem(client().get("/jira/disabled/rest/api/2/myself"), 403, "tenant-disabled");
		assertThat(UPSTREAM.count()).isZero();
	}

	@ParameterizedTest
	@ValueSource(strings = { "/jira/globex/a/%2e%2e/b", "/jira/globex/a/..%2fb", "/jira/globex/a%2fb",
			"/jira/globex/a;jsessionid=1", "/jira/globex/a%3bb", "/jira/globex/a%5cb", "/jira/globex/a%252fb",
			"/jira/globex/a%00b", "/jira/globex//a" })
	void answersAMalformedPathWith400AndForwardsNothing(String path) {
		assertProblem(client().get(path), 400, "malformed-path");
		assertThat(UPSTREAM.count()).isZero();
	}

	@Test
	void answersTraceAndConnectWith405() throws IOException {
		assertProblem(client().send(HttpMethod.TRACE, "/jira/bare/x", headers -> {
		}), 405, "method-not-allowed");
		String connect = rawExchange("CONNECT /jira/bare/x HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n");
		assertThat(connect).startsWith("HTTP/1.1 405");
		assertThat(connect).contains("Allow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
		assertThat(UPSTREAM.count()).isZero();
	}

	@Test
	void answersARefusedConnectionWith502() {
		assertProblem(client().get("/jira/closed/rest/api/2/myself"), 502, "upstream-unavailable");
	}

	@Test
	void answersAConnectionClosedBeforeTheResponseWith502() {
		assertProblem(client().get("/jira/bare/reset"), 502, "upstream-unavailable");
	}

	@Test
	void neverPassesOffAnAnswerCutHalfwayAsComplete() {
		Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() -> client().get("/jira/bare/cut-mid-body"));

		// The status line had gone out; what cannot be rewritten is cut, so the client sees a broken answer.
		assertThat(failure).isNotNull();
		assertThat(UPSTREAM.count()).isEqualTo(1);
	}

	@Test
	void answersASlowUpstreamWith504() {
		assertProblem(client().get("/jira/bare/slow/3000"), 504, "upstream-timeout");
	}

	@Test
	void passesUpstreamErrorStatusesThrough() {
		TestClient.Response response = client().get("/jira/bare/status/503");

		assertThat(response.status()).isEqualTo(503);
		assertThat(response.body()).isEqualTo("status");
		assertThat(response.header("Cache-Control")).isEqualTo("no-store");
	}

	@Test
	void exposesOnlyHealthPrometheusAndInfoOnTheManagementPort() {
		TestClient management = new TestClient(this.managementPort);

		assertThat(management.get("/actuator/health").body()).contains("\"status\":\"UP\"");
		assertThat(management.get("/actuator/health/readiness").status()).isEqualTo(200);
		assertThat(management.get("/actuator/health/liveness").status()).isEqualTo(200);
		assertThat(management.get("/actuator/prometheus").body()).contains("infosysta_gateway_registry_tenants 5.0");
		assertThat(management.get("/actuator/info").status()).isEqualTo(200);
		for (String hidden : new String[] { "/actuator/env", "/actuator/gateway/routes", "/actuator/refresh",
				"/actuator/beans", "/actuator/configprops", "/actuator/heapdump" }) {
			assertThat(management.get(hidden).status()).as(hidden).isEqualTo(404);
		}
	}

	@Test
	void hasNoResponseCacheOrBodyCachingBean() {
		for (String name : this.context.getBeanDefinitionNames()) {
			Class<?> type = this.context.getType(name);
			String typeName = (type != null) ? type.getName() : "";
			assertThat(typeName).as(name)
				.doesNotContainIgnoringCase("ResponseCache")
				.doesNotContain("CacheRequestBody")
				.doesNotContain("CachedBody")
				.doesNotContain("ModifyRequestBody")
				.doesNotContain("ModifyResponseBody")
				.doesNotContain("CacheManager");
		}
	}

	private static void assertProblem(TestClient.Response response, int status, String reason) {
		assertThat(response.status()).isEqualTo(status);
		assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
		assertThat(response.header("Cache-Control")).isEqualTo("no-store");
		String requestId = response.header("X-Request-Id");
		assertThat(requestId).matches("[0-9a-f]{32}");
		Map<String, Object> problem = Json.object(response.body());
		assertThat(problem).containsEntry("status", status)
			.containsEntry("reason", reason)
			.containsEntry("type", "https://gateway.infosysta.com/problems/" + reason)
			.containsEntry("instance", "urn:request:" + requestId)
			.containsKeys("title", "detail");
	}

	/** Sends raw bytes, for requests an HTTP client library would not send as written. */
	private String rawExchange(String request) throws IOException {
		try (Socket socket = new Socket("127.0.0.1", this.port)) {
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			out.write(request.getBytes(StandardCharsets.ISO_8859_1));
			out.flush();
			InputStream in = socket.getInputStream();
			byte[] buffer = new byte[8192];
			StringBuilder answer = new StringBuilder();
			int read;
			while (!answer.toString().contains("\r\n\r\n") && (read = in.read(buffer)) > 0) {
				answer.append(new String(Arrays.copyOf(buffer, read), StandardCharsets.ISO_8859_1));
			}
			return answer.toString();
		}
	}

}
