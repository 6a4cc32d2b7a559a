package com.infosysta.gateway.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.infosysta.gateway.app.GatewayApplication;
import com.infosysta.gateway.connect.CanonicalRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The app routes end to end, with real keys: a stand-in Jira checks the Connect JWT the gateway signs for the
 * app UI's call (signature, {@code qsh} for what it actually received, expiry), and a stand-in backend checks
 * {@code X-Infosysta-Identity} and never sees a client token.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
final class AppsIT {

	static final StandInUpstream UPSTREAM = StandInUpstream.start();

	static final KeyServer KEYS = new KeyServer();

	static final String APP = "outlook-to-jira";

	static final String APP_KEY = "com.infosysta.outlook-to-jira";

	static final String SHARED_SECRET = "acme-outlook-shared-secret-0123456789abcdef";

	static final String BACKEND_SECRET = "outlook-backend-identity-secret-0123456789";

	static final String PUBLIC_BASE_URL = "https://apps.infosysta.example/outlook";

	static final String FORGE_APP = "ari:cloud:ecosystem::app/" + UUID.nameUUIDFromBytes("forge".getBytes());

	static final String CLOUD_ID = "5c3fa0e2-8d1b-4a47-9c1e-6f0d2b7a9e11";

	static final KeyPair INSTALL_KEY = KeyServer.newRsaKeyPair();

	static final KeyPair FORGE_KEY = KeyServer.newRsaKeyPair();

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) throws IOException {
		KEYS.installKeys.put("install-key-1", INSTALL_KEY);
		KEYS.forgeKeys.put("forge-key-1", FORGE_KEY);
		Path file = Files.createTempDirectory("apps-it").resolve("registry.yml");
		Files.writeString(file, """
				tenants:
				  - id: acme
				    deployment: cloud
				    base-url: %s/jira-site
				    cloud-id: %s
				    client-key: acme-client-key
				    apps:
				      outlook-to-jira: { shared-secret: %s }
				""".formatted(UPSTREAM.baseUrl(), CLOUD_ID, SHARED_SECRET));
		String app = "infosysta.gateway.apps." + APP + ".";
		registry.add("infosysta.gateway.registry-file", file::toString);
		registry.add("infosysta.gateway.upstream.allow-http", () -> "true");
		registry.add("infosysta.gateway.upstream.allow-private-addresses", () -> "true");
		registry.add("infosysta.gateway.atlassian.install-keys-url", KEYS::baseUrl);
		registry.add("infosysta.gateway.atlassian.forge-jwks-url", () -> KEYS.baseUrl() + "/jwks.json");
		registry.add(TestSecrets.SUBJECT_KEY_PROPERTY, () -> TestSecrets.SUBJECT_KEY_SECRET);
		// Every test runs from 127.0.0.1: the brute-force guard is RateLimitIT's subject, not these tests'.
		registry.add("infosysta.gateway.rate-limit.failed-auth.burst", () -> "100000");
		registry.add("management.server.port", () -> "0");
		registry.add(app + "key", () -> APP_KEY);
		registry.add(app + "backend-url", () -> UPSTREAM.baseUrl() + "/backend");
		registry.add(app + "backend-secret", () -> BACKEND_SECRET);
		registry.add(app + "public-base-url", () -> PUBLIC_BASE_URL);
		registry.add(app + "forge-app-id", () -> FORGE_APP);
		registry.add(app + "jira-calls[0]", () -> "GET /rest/api/3/issue/{key}");
		registry.add(app + "jira-calls[1]", () -> "POST /rest/api/3/issue");
		registry.add(app + "context-paths[0]", () -> "/context/**");
	}

	@AfterAll
	static void stop() {
		UPSTREAM.close();
		KEYS.close();
	}

	@BeforeEach
	void clear() {
		UPSTREAM.clear();
	}

	@Test
	void signsTheAppUisAllowedJiraCallForExactlyWhatJiraReceives() throws Exception {
		String query = "fields=summary%2Cstatus&expand=names";
		String token = connectToken("GET", "/rest/api/3/issue/ABC-1", query, Instant.now());

		TestClient.Response response = client().get("/apps/" + APP + "/jira/rest/api/3/issue/ABC-1?" + query
				+ "&jwt=" + token);

		assertThat(response.status()).isEqualTo(200);
		StandInUpstream.Received received = UPSTREAM.lastReceived();
		assertThat(received.uri()).isEqualTo("/jira-site/rest/api/3/issue/ABC-1?" + query);
		String authorization = received.headers().get("Authorization");
		assertThat(authorization).startsWith("JWT ").doesNotContain(token);
		SignedJWT outbound = SignedJWT.parse(authorization.substring(4));
		assertThat(outbound.verify(new MACVerifier(SHARED_SECRET.getBytes(StandardCharsets.UTF_8)))).isTrue();
		JWTClaimsSet claims = outbound.getJWTClaimsSet();
		assertThat(claims.getIssuer()).isEqualTo(APP_KEY);
		String receivedPath = received.uri().substring(0, received.uri().indexOf('?'));
		String receivedQuery = received.uri().substring(received.uri().indexOf('?') + 1);
		assertThat(claims.getStringClaim("qsh"))
			.isEqualTo(CanonicalRequest.queryStringHash("GET", receivedPath, "/jira-site", receivedQuery));
		long lifetime = claims.getExpirationTime().getTime() - claims.getIssueTime().getTime();
		assertThat(lifetime).isPositive().isLessThanOrEqualTo(180_000);
		assertThat(claims.getExpirationTime()).isAfter(new Date());
	}

	@Test
	void refusesAJiraCallOffTheAllowListWith403() throws Exception {
		String token = connectToken("DELETE", "/rest/api/3/issue/ABC-1", null, Instant.now());

		TestClient.Response response = client().send(HttpMethod.DELETE,
				"/apps/" + APP + "/jira/rest/api/3/issue/ABC-1", jwtHeader(token));

		assertThat(response.status()).isEqualTo(403);
		assertThat(Json.object(response.body())).containsEntry("reason", "jira-call-not-allowed");
		assertThat(UPSTREAM.count()).isZero();
	}

	@Test
	void passesAVerifiedWebhookToTheBackendWithASignedIdentityAndNoClientToken() throws Exception {
		String token = backendToken("POST", "/webhook/issue-updated", "x=1");

		TestClient.Response response = client().send(HttpMethod.POST,
				"/apps/" + APP + "/webhook/issue-updated?x=1", jwtHeader(token));

		assertThat(response.status()).isEqualTo(200);
		StandInUpstream.Received received = UPSTREAM.lastReceived();
		assertThat(received.uri()).isEqualTo("/backend/webhook/issue-updated?x=1");
		assertThat(received.headers().contains("Authorization")).isFalse();
		JWTClaimsSet identity = identity(received.headers());
		assertThat(identity.getStringClaim("tenant")).isEqualTo("acme");
		assertThat(identity.getStringClaim("kind")).isEqualTo("connect");
		assertThat(identity.getStringClaim("client_key")).isEqualTo("acme-client-key");
		assertThat(identity.getSubject()).isNotBlank().doesNotContain("acme-client-key");
	}

	@Test
	void passesANewInstallationsLifecycleCallWithItsBodyAndIssuer() throws Exception {
		String body = "{\"clientKey\":\"new-site-key\",\"sharedSecret\":\"abc\",\"baseUrl\":\"https://new.atlassian.net\"}";
		String qsh = CanonicalRequest.queryStringHash("POST", "/installed", "", null);
		SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("install-key-1").build(),
				new JWTClaimsSet.Builder().issuer("new-site-key")
					.audience(PUBLIC_BASE_URL + "/")
					.issueTime(new Date())
					.expirationTime(new Date(System.currentTimeMillis() + 180_000))
					.claim("qsh", qsh)
					.build());
		jwt.sign(new RSASSASigner(INSTALL_KEY.getPrivate()));

		String answer = HttpClient.create()
			.headers(headers -> headers.set("Authorization", "JWT " + jwt.serialize())
				.set("Content-Type", "application/json"))
			.post()
			.uri("http://127.0.0.1:" + this.port + "/apps/" + APP + "/installed")
			.send(Mono.just(io.netty.buffer.Unpooled.wrappedBuffer(body.getBytes(StandardCharsets.UTF_8))))
			.responseSingle((res, content) -> content.asString().map(text -> res.status().code() + " " + text))
			.block(Duration.ofSeconds(20));

		assertThat(answer).startsWith("200 ");
		StandInUpstream.Received received = UPSTREAM.lastReceived();
		assertThat(received.uri()).isEqualTo("/backend/installed");
		assertThat(received.bodyBytes()).isEqualTo(body.length());
		assertThat(received.headers().contains("Authorization")).isFalse();
		JWTClaimsSet identity = identity(received.headers());
		assertThat(identity.getStringClaim("kind")).isEqualTo("lifecycle");
		assertThat(identity.getStringClaim("client_key")).isEqualTo("new-site-key");
		assertThat(identity.getClaim("tenant")).isNull();
	}

	@Test
	void passesAForgeInvocationWithItsOAuthHeadersToTheBackendOnly() throws Exception {
		SignedJWT fit = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("forge-key-1").build(),
				new JWTClaimsSet.Builder().issuer("forge/invocation-token")
					.audience(FORGE_APP)
					.expirationTime(new Date(System.currentTimeMillis() + 60_000))
					.claim("principal", "557058:account")
					.claim("context", Map.of("cloudId", CLOUD_ID))
					.build());
		fit.sign(new RSASSASigner(FORGE_KEY.getPrivate()));

		TestClient.Response response = client().send(HttpMethod.POST, "/apps/" + APP + "/forge/issue-panel",
				headers -> headers.set("Authorization", "Bearer " + fit.serialize())
					.set("x-forge-oauth-system", "system-token")
					.set("x-forge-oauth-user", "user-token"));

		assertThat(response.status()).isEqualTo(200);
		HttpHeaders received = UPSTREAM.lastReceived().headers();
		assertThat(received.get("x-forge-oauth-system")).isEqualTo("system-token");
		assertThat(received.contains("Authorization")).isFalse();
		JWTClaimsSet identity = identity(received);
		assertThat(identity.getStringClaim("kind")).isEqualTo("forge");
		assertThat(identity.getStringClaim("tenant")).isEqualTo("acme");
	}

	@Test
	void refusesATokenInBothHeaderAndQueryWith400AndForwardsNothing() throws Exception {
		String token = backendToken("GET", "/webhook", null);

		TestClient.Response response = client().get("/apps/" + APP + "/webhook?jwt=" + token, jwtHeader(token));

		assertThat(response.status()).isEqualTo(400);
		assertThat(Json.object(response.body())).containsEntry("reason", "token-in-header-and-query");
		assertThat(UPSTREAM.count()).isZero();
	}

	@Test
	void refusesAnUnsignedTokenWith401() {
		String header = java.util.Base64.getUrlEncoder().withoutPadding()
			.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8));
		String payload = java.util.Base64.getUrlEncoder().withoutPadding()
			.encodeToString(("{\"iss\":\"acme-client-key\",\"qsh\":\"context-qsh\",\"exp\":" + (Instant.now()
				.getEpochSecond() + 60) + "}").getBytes(StandardCharsets.UTF_8));

		TestClient.Response response = client().get("/apps/" + APP + "/context/panel", jwtHeader(header + "."
				+ payload + "."));

		assertThat(response.status()).isEqualTo(401);
		assertThat(response.header("WWW-Authenticate")).startsWith("JWT");
		assertThat(UPSTREAM.count()).isZero();
	}

	@Test
	void answersAnUnknownAppWith404() {
		assertThat(Json.object(client().get("/apps/nope/webhook").body())).containsEntry("reason", "unknown-app");
	}

	private TestClient client() {
		return new TestClient(this.port);
	}

	private static Consumer<HttpHeaders> jwtHeader(String token) {
		return headers -> headers.set("Authorization", "JWT " + token);
	}

	private static String connectToken(String method, String path, String query, Instant now) throws JOSEException {
		return sign(CanonicalRequest.queryStringHash(method, "/apps/" + APP + "/jira" + path, "/apps/" + APP
				+ "/jira", query), now);
	}

	private static String backendToken(String method, String path, String query) throws JOSEException {
		return sign(CanonicalRequest.queryStringHash(method, "/apps/" + APP + path, "/apps/" + APP, query),
				Instant.now());
	}

	private static String sign(String qsh, Instant now) throws JOSEException {
		SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder()
			.issuer("acme-client-key")
			.subject("557058:f58131cb-b67d-43c7-b30d-6b58d40bd077")
			.issueTime(Date.from(now))
			.expirationTime(Date.from(now.plusSeconds(120)))
			.claim("qsh", qsh)
			.build());
		jwt.sign(new MACSigner(SHARED_SECRET.getBytes(StandardCharsets.UTF_8)));
		return jwt.serialize();
	}

	private static JWTClaimsSet identity(HttpHeaders headers) throws Exception {
		List<String> values = headers.getAll("X-Infosysta-Identity");
		assertThat(values).hasSize(1);
		SignedJWT identity = SignedJWT.parse(values.get(0));
		assertThat(identity.verify(new MACVerifier(BACKEND_SECRET.getBytes(StandardCharsets.UTF_8)))).isTrue();
		JWTClaimsSet claims = identity.getJWTClaimsSet();
		assertThat(claims.getIssuer()).isEqualTo("infosysta-gateway");
		assertThat(claims.getAudience()).containsExactly(APP);
		assertThat(claims.getExpirationTime().getTime() - claims.getIssueTime().getTime()).isLessThanOrEqualTo(60_000);
		return claims;
	}

}
