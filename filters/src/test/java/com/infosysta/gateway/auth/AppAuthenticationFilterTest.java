package com.infosysta.gateway.auth;

import java.net.URI;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.nimbusds.jwt.JWTClaimsSet;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import com.infosysta.gateway.auth.ConnectJwtVerifier.BoundRequest;
import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.tenant.CredentialKind;
import com.infosysta.gateway.tenant.Registry;
import com.infosysta.gateway.tenant.Tenant;
import com.infosysta.gateway.tenant.TenantResolutionFilter;
import com.infosysta.gateway.tenant.UpstreamAddressRules;

import static com.infosysta.gateway.auth.AuthFixtures.ACME_SECRET;
import static com.infosysta.gateway.auth.AuthFixtures.APP;
import static com.infosysta.gateway.auth.AuthFixtures.NOW;
import static com.infosysta.gateway.auth.AuthFixtures.secret;
import static com.infosysta.gateway.auth.TestTokens.hs256;
import static com.infosysta.gateway.auth.TestTokens.privateKey;
import static com.infosysta.gateway.auth.TestTokens.publicKey;
import static com.infosysta.gateway.auth.TestTokens.rs256;
import static com.infosysta.gateway.auth.UserCredentialFilterTest.reason;
import static org.assertj.core.api.Assertions.assertThat;

final class AppAuthenticationFilterTest {

	private static final String BASE = "/apps/" + APP;

	private static final String JIRA_BASE = BASE + "/jira";

	private static final String INSTALL_KID = "4d1f6e0a-2b3c-4d5e-8f9a-0b1c2d3e4f5a";

	private static final Registry REGISTRY = AuthFixtures.registry();

	private static KeyPair installKey;

	private static KeyPair forgeKey;

	private final KeyServer server = new KeyServer();

	private final MutableClock clock = new MutableClock(NOW);

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final SubjectKeys subjectKeys = new SubjectKeys(secret(AuthFixtures.randomSecret()));

	private final ForgeKeys forgeKeys = new ForgeKeys(KeyFetcher.create(new UpstreamAddressRules(true, true)),
			this.server.jwksUrl(), this.clock, Duration.ofSeconds(10), this.meters);

	private final AppAuthenticationFilter filter = new AppAuthenticationFilter("/apps/", AuthFixtures.catalog(),
			() -> REGISTRY,
			new InstallKeys(KeyFetcher.create(new UpstreamAddressRules(true, true)), this.server.baseUrl(), this.clock,
					Duration.ofSeconds(10), this.meters),
			this.forgeKeys, this.subjectKeys, new VerificationMetrics(this.meters), this.clock, Duration.ofSeconds(30),
			new ProblemResponseWriter());

	private final AtomicInteger chainCalls = new AtomicInteger();

	private final GatewayFilterChain chain = exchange -> {
		this.chainCalls.incrementAndGet();
		return Mono.empty();
	};

	@BeforeAll
	static void generateKeys() {
		installKey = TestTokens.rsaKeyPair(2048);
		forgeKey = TestTokens.rsaKeyPair(2048);
	}

	AppAuthenticationFilterTest() {
		this.server.publishPem(INSTALL_KID, publicKey(installKey));
		this.server.publishJwks(List.of(ForgeKeysTest.jwk(forgeKey, "forge-1")));
	}

	@AfterEach
	void stop() {
		this.forgeKeys.close();
		this.server.close();
	}

	// --- order of checks ------------------------------------------------------------------------------------

	@Test
	void answersUnknownAppWith404EvenWithABadToken() {
		MockServerWebExchange exchange = exchange(HttpMethod.GET, "/apps/no-such-app/webhook?jwt=a&jwt=b",
				"JWT not-a-token");

		run(exchange);

		assertProblem(exchange, HttpStatus.NOT_FOUND, "unknown-app");
		assertThat(exchange.getResponse().getBodyAsString().block()).doesNotContain("no-such-app");
	}

	@Test
	void refusesTokenInHeaderAndQueryWith400() {
		String path = BASE + "/webhook";
		String token = connectToken(new BoundRequest("POST", path, BASE, null));
		MockServerWebExchange exchange = exchange(HttpMethod.POST, path + "?jwt=" + token, "JWT " + token);

		run(exchange);

		assertProblem(exchange, HttpStatus.BAD_REQUEST, "token-in-header-and-query");
	}

	@Test
	void refusesTwoJwtParametersWith400() {
		String path = BASE + "/webhook";
		String token = connectToken(new BoundRequest("POST", path, BASE, null));
		MockServerWebExchange exchange = exchange(HttpMethod.POST, path + "?jwt=" + token + "&jwt=" + token, null);

		run(exchange);

		assertProblem(exchange, HttpStatus.BAD_REQUEST, "malformed-credential");
	}

	@Test
	void refusesTwoAuthorizationHeadersWith400() {
		String path = BASE + "/webhook";
		String token = connectToken(new BoundRequest("POST", path, BASE, null));
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest
			.method(HttpMethod.POST, URI.create(path))
			.header(HttpHeaders.AUTHORIZATION, "JWT " + token, "JWT " + token));

		run(exchange);

		assertProblem(exchange, HttpStatus.BAD_REQUEST, "malformed-credential");
	}

	@Test
	void answersMissingTokenWith401AndAJwtChallenge() {
		MockServerWebExchange exchange = exchange(HttpMethod.POST, BASE + "/webhook", null);

		run(exchange);

		assertProblem(exchange, HttpStatus.UNAUTHORIZED, "credential-missing");
		assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).startsWith("JWT ");
	}

	@Test
	void refusesAnotherAuthorizationSchemeWith401() {
		MockServerWebExchange exchange = exchange(HttpMethod.POST, BASE + "/webhook", "Basic amFuZTpzZWNyZXQ=");

		run(exchange);

		assertProblem(exchange, HttpStatus.UNAUTHORIZED, "credential-not-accepted");
		assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).isNotBlank();
	}

	// --- Connect tokens from Jira ---------------------------------------------------------------------------

	@Test
	void bindsAVerifiedWebhookToTheTokensTenant() {
		String path = BASE + "/webhook";
		String query = "event=jira:issue_updated&issue=ABC-1";
		String token = connectToken(new BoundRequest("POST", path, BASE, query));
		MockServerWebExchange exchange = exchange(HttpMethod.POST, path + "?" + query, "JWT " + token);

		run(exchange);

		assertThat(this.chainCalls).hasValue(1);
		AppCall call = exchange.getAttribute(AppCall.ATTRIBUTE);
		assertThat(call.app().id()).isEqualTo(APP);
		assertThat(call.toJira()).isFalse();
		assertThat(call.restPath()).isEqualTo("/webhook");
		assertThat(call.tenant().id()).isEqualTo("acme");
		assertThat(call.secrets()).isNull();
		Principal principal = exchange.getAttribute(Principal.ATTRIBUTE);
		assertThat(principal.tenantId()).isEqualTo("acme");
		assertThat(principal.appId()).isEqualTo(APP);
		assertThat(principal.kind()).isEqualTo(CredentialKind.CONNECT);
		assertThat(principal.clientKey()).isEqualTo("acme-key");
		assertThat(principal.subjectKey()).isEqualTo(this.subjectKeys.of("acme:connect", "account-1"))
			.doesNotContain("account-1");
		assertThat(exchange.<Tenant>getAttribute(TenantResolutionFilter.TENANT_ATTRIBUTE).id()).isEqualTo("acme");
		assertThat(verifications("connect", "accepted", "none")).isEqualTo(1);
	}

	@Test
	void acceptsTheTokenInTheJwtQueryParameter() {
		String path = BASE + "/webhook";
		String token = connectToken(new BoundRequest("POST", path, BASE, "issue=ABC-1"));
		MockServerWebExchange exchange = exchange(HttpMethod.POST, path + "?issue=ABC-1&jwt=" + token, null);

		run(exchange);

		assertThat(this.chainCalls).hasValue(1);
		assertThat(exchange.<AppCall>getAttribute(AppCall.ATTRIBUTE).tenant().id()).isEqualTo("acme");
	}

	@Test
	void keepsTheTokensTenantWhateverTheUrlNames() {
		String path = BASE + "/tenants/globex/webhook";
		String query = "tenant=globex&clientKey=globex-key";
		String token = connectToken(new BoundRequest("POST", path, BASE, query));
		MockServerWebExchange exchange = exchange(HttpMethod.POST, path + "?" + query, "JWT " + token);
		exchange.getAttributes().put(TenantResolutionFilter.TENANT_ATTRIBUTE, REGISTRY.tenant("globex"));

		run(exchange);

		assertThat(this.chainCalls).hasValue(1);
		assertThat(exchange.<AppCall>getAttribute(AppCall.ATTRIBUTE).tenant().id()).isEqualTo("acme");
		assertThat(exchange.<Principal>getAttribute(Principal.ATTRIBUTE).tenantId()).isEqualTo("acme");
		assertThat(exchange.<Tenant>getAttribute(TenantResolutionFilter.TENANT_ATTRIBUTE).id()).isEqualTo("acme");
	}

	@Test
	void answersQshMismatchWith401AndCountsTheReason() {
		String token = connectToken(new BoundRequest("POST", BASE + "/webhook", BASE, "issue=ABC-1"));
		MockServerWebExchange exchange = exchange(HttpMethod.POST, BASE + "/webhook?issue=ABC-2", "JWT " + token);

		run(exchange);

		assertProblem(exchange, HttpStatus.UNAUTHORIZED, "qsh-mismatch");
		assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).startsWith("JWT ");
		assertThat(verifications("connect", "rejected", "qsh")).isEqualTo(1);
	}

	@Test
	void answersADisabledTenantWith403() {
		String path = BASE + "/webhook";
		String token = hs256(secret(AuthFixtures.INITECH_SECRET),
				ConnectJwtVerifierTest.claims(new BoundRequest("POST", path, BASE, null))
					.issuer("initech-key")
					.build());
		MockServerWebExchange exchange = exchange(HttpMethod.POST, path, "JWT " + token);

		run(exchange);

		assertProblem(exchange, HttpStatus.FORBIDDEN, "tenant-disabled");
	}

	@Test
	void refusesATokenOver8KiBInTheQueryWith401() {
		String path = BASE + "/webhook";
		MockServerWebExchange exchange = exchange(HttpMethod.POST,
				path + "?jwt=" + "a".repeat(JwtChecks.MAX_TOKEN_CHARS + 1), null);

		run(exchange);

		assertProblem(exchange, HttpStatus.UNAUTHORIZED, "credential-invalid");
		assertThat(verifications("connect", "rejected", "too-large")).isEqualTo(1);
	}

	@Test
	void acceptsContextTokenOnAContextPath() {
		String path = BASE + "/context/issue-panel";
		String token = contextToken(new BoundRequest("GET", path, BASE, null));
		MockServerWebExchange exchange = exchange(HttpMethod.GET, path + "?issueKey=ABC-1", "JWT " + token);

		run(exchange);

		assertThat(this.chainCalls).hasValue(1);
		assertThat(exchange.<AppCall>getAttribute(AppCall.ATTRIBUTE).restPath()).isEqualTo("/context/issue-panel");
	}

	@Test
	void refusesContextTokenOffTheContextPaths() {
		String path = BASE + "/webhook";
		String token = contextToken(new BoundRequest("GET", path, BASE, null));
		MockServerWebExchange exchange = exchange(HttpMethod.GET, path, "JWT " + token);

		run(exchange);

		assertProblem(exchange, HttpStatus.UNAUTHORIZED, "qsh-mismatch");
	}

	@Test
	void answersUnknownRouteForAJiraOnlyAppOffItsJiraPath() {
		String path = "/apps/google-to-jira/webhook";
		String token = hs256(secret(AuthFixtures.HOOLI_SECRET),
				ConnectJwtVerifierTest.claims(new BoundRequest("POST", path, "/apps/google-to-jira", null))
					.issuer("hooli-key")
					.build());
		MockServerWebExchange exchange = exchange(HttpMethod.POST, path, "JWT " + token);

		run(exchange);

		assertProblem(exchange, HttpStatus.NOT_FOUND, "unknown-route");
	}

	// --- the app UI's Jira calls ----------------------------------------------------------------------------

	@Test
	void allowsAListedJiraCallFromTheAppUi() {
		String path = JIRA_BASE + "/rest/api/3/issue/ABC-1";
		String query = "fields=summary,status&expand=names";
		String token = connectToken(new BoundRequest("GET", path, JIRA_BASE, query));
		MockServerWebExchange exchange = exchange(HttpMethod.GET, path + "?" + query + "&jwt=" + token, null);

		run(exchange);

		assertThat(this.chainCalls).hasValue(1);
		AppCall call = exchange.getAttribute(AppCall.ATTRIBUTE);
		assertThat(call.toJira()).isTrue();
		assertThat(call.restPath()).isEqualTo("/rest/api/3/issue/ABC-1");
		assertThat(call.tenant().id()).isEqualTo("acme");
		assertThat(call.secrets()).isEqualTo(REGISTRY.tenant("acme").apps().get(APP));
	}

	@Test
	void allowsAJiraOnlyAppsListedCall() {
		String base = "/apps/google-to-jira/jira";
		String path = base + "/rest/api/3/myself";
		String token = hs256(secret(AuthFixtures.HOOLI_SECRET),
				ConnectJwtVerifierTest.claims(new BoundRequest("GET", path, base, null)).issuer("hooli-key").build());
		MockServerWebExchange exchange = exchange(HttpMethod.GET, path, "JWT " + token);

		run(exchange);

		assertThat(this.chainCalls).hasValue(1);
		assertThat(exchange.<AppCall>getAttribute(AppCall.ATTRIBUTE).tenant().id()).isEqualTo("hooli");
	}

	@Test
	void refusesAJiraCallThatIsNotOnTheAllowListWith403() {
		String path = JIRA_BASE + "/rest/api/3/issue/ABC-1";
		String token = connectToken(new BoundRequest("DELETE", path, JIRA_BASE, null));
		MockServerWebExchange exchange = exchange(HttpMethod.DELETE, path, "JWT " + token);

		run(exchange);

		assertProblem(exchange, HttpStatus.FORBIDDEN, "jira-call-not-allowed");
		assertThat(exchange.getAttributes()).doesNotContainKeys(AppCall.ATTRIBUTE, Principal.ATTRIBUTE);
	}

	@ParameterizedTest
	@ValueSource(strings = { "/rest/api/3/issue/ABC-1/comment", "/rest/api/3/user", "/rest/api/3/issue",
			"/rest/api/2/issue/ABC-1", "" })
	void refusesOtherJiraPathsWith403(String rest) {
		String path = JIRA_BASE + rest;
		String token = connectToken(new BoundRequest("GET", path, JIRA_BASE, null));
		MockServerWebExchange exchange = exchange(HttpMethod.GET, path, "JWT " + token);

		run(exchange);

		assertProblem(exchange, HttpStatus.FORBIDDEN, "jira-call-not-allowed");
	}

	@Test
	void verifiesBeforeTheAllowListSoABadTokenIs401Not403() {
		String path = JIRA_BASE + "/rest/api/3/issue/ABC-1";
		String token = hs256(secret(AuthFixtures.randomSecret()),
				ConnectJwtVerifierTest.claims(new BoundRequest("DELETE", path, JIRA_BASE, null)).build());
		MockServerWebExchange exchange = exchange(HttpMethod.DELETE, path, "JWT " + token);

		run(exchange);

		assertProblem(exchange, HttpStatus.UNAUTHORIZED, "credential-invalid");
	}

	@Test
	void refusesAJiraCallWhoseTokenIsBoundToTheAppBaseInsteadOfTheJiraBase() {
		String path = JIRA_BASE + "/rest/api/3/issue/ABC-1";
		String token = connectToken(new BoundRequest("GET", path, BASE, null));
		MockServerWebExchange exchange = exchange(HttpMethod.GET, path, "JWT " + token);

		run(exchange);

		assertProblem(exchange, HttpStatus.UNAUTHORIZED, "qsh-mismatch");
	}

	@Test
	void refusesAForgeBearerOnAJiraCallWith401() {
		String path = JIRA_BASE + "/rest/api/3/issue/ABC-1";
		MockServerWebExchange exchange = exchange(HttpMethod.GET, path,
				"Bearer " + rs256(privateKey(forgeKey), "forge-1", ForgeTokenVerifierTest.fit().build()));

		run(exchange);

		assertProblem(exchange, HttpStatus.UNAUTHORIZED, "credential-not-accepted");
		assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).startsWith("Bearer ");
		assertThat(this.server.totalRequests()).isZero();
	}

	// --- Forge ----------------------------------------------------------------------------------------------

	@Test
	void bindsAForgeInvocationToTheSiteInItsContext() {
		MockServerWebExchange exchange = exchange(HttpMethod.POST, BASE + "/forge/issue-created",
				"Bearer " + rs256(privateKey(forgeKey), "forge-1", ForgeTokenVerifierTest.fit().build()));

		run(exchange);

		assertThat(this.chainCalls).hasValue(1);
		AppCall call = exchange.getAttribute(AppCall.ATTRIBUTE);
		assertThat(call.toJira()).isFalse();
		assertThat(call.restPath()).isEqualTo("/forge/issue-created");
		assertThat(call.tenant().id()).isEqualTo("globex");
		Principal principal = exchange.getAttribute(Principal.ATTRIBUTE);
		assertThat(principal.kind()).isEqualTo(CredentialKind.FORGE);
		assertThat(principal.tenantId()).isEqualTo("globex");
		assertThat(principal.subjectKey()).doesNotContain("account-7");
	}

	@Test
	void refusesAnInvalidForgeTokenWith401AndABearerChallenge() {
		MockServerWebExchange exchange = exchange(HttpMethod.POST, BASE + "/forge/issue-created", "Bearer "
				+ rs256(privateKey(forgeKey), "forge-1", ForgeTokenVerifierTest.fit().audience("other").build()));

		run(exchange);

		assertProblem(exchange, HttpStatus.UNAUTHORIZED, "credential-invalid");
		assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
			.isEqualTo("Bearer error=\"invalid_token\"");
		assertThat(verifications("forge", "rejected", "audience")).isEqualTo(1);
	}

	@Test
	void answersAForgeInvocationForADisabledSiteWith403() {
		JWTClaimsSet claims = ForgeTokenVerifierTest.fit()
			.claim("context", Map.of("cloudId", AuthFixtures.INITECH_CLOUD_ID.toString()))
			.build();
		MockServerWebExchange exchange = exchange(HttpMethod.POST, BASE + "/forge/issue-created",
				"Bearer " + rs256(privateKey(forgeKey), "forge-1", claims));

		run(exchange);

		assertThat(this.chainCalls).as("a Forge call for disabled tenant initech reached the app backend").hasValue(0);
		assertProblem(exchange, HttpStatus.FORBIDDEN, "tenant-disabled");
	}

	// --- lifecycle ------------------------------------------------------------------------------------------

	@Test
	void bindsASignedInstallCallbackWithoutARegistryEntry() {
		String path = BASE + "/installed";
		String token = rs256(privateKey(installKey), INSTALL_KID,
				LifecycleJwtVerifierTest.claims(new BoundRequest("POST", path, BASE, null)).build());
		MockServerWebExchange exchange = exchange(HttpMethod.POST, path, "JWT " + token);

		run(exchange);

		assertThat(this.chainCalls).hasValue(1);
		Principal principal = exchange.getAttribute(Principal.ATTRIBUTE);
		assertThat(principal.kind()).isEqualTo(CredentialKind.LIFECYCLE);
		assertThat(principal.clientKey()).isEqualTo("newco-key");
		assertThat(principal.tenantId()).isNull();
		assertThat(exchange.<AppCall>getAttribute(AppCall.ATTRIBUTE).restPath()).isEqualTo("/installed");
	}

	@Test
	void bindsAnInstallCallbackOfAKnownSiteToItsTenant() {
		String path = BASE + "/installed";
		String token = rs256(privateKey(installKey), INSTALL_KID,
				LifecycleJwtVerifierTest.claims(new BoundRequest("POST", path, BASE, null)).issuer("acme-key").build());
		MockServerWebExchange exchange = exchange(HttpMethod.POST, path, "JWT " + token);

		run(exchange);

		assertThat(exchange.<Principal>getAttribute(Principal.ATTRIBUTE).tenantId()).isEqualTo("acme");
	}

	@ParameterizedTest
	@ValueSource(strings = { "/installed", "/uninstalled" })
	void refusesASharedSecretTokenOnALifecyclePath(String lifecyclePath) {
		String path = BASE + lifecyclePath;
		String token = connectToken(new BoundRequest("POST", path, BASE, null));
		MockServerWebExchange exchange = exchange(HttpMethod.POST, path, "JWT " + token);

		run(exchange);

		assertProblem(exchange, HttpStatus.UNAUTHORIZED, "credential-invalid");
		assertThat(verifications("lifecycle", "rejected", "algorithm")).isEqualTo(1);
	}

	@ParameterizedTest
	@ValueSource(strings = { "/installed/", "/uninstalled/", "/install%65d", "/un%69nstalled" })
	void doesNotLetASharedSecretTokenReachALifecycleEndpointUnderAnotherSpelling(String lifecyclePath) {
		// An app backend routes these as its lifecycle endpoints (trailing slash ignored, path decoded once).
		String path = BASE + lifecyclePath;
		String token = connectToken(new BoundRequest("POST", path, BASE, null));
		MockServerWebExchange exchange = exchange(HttpMethod.POST, path, "JWT " + token);

		run(exchange);

		assertThat(this.chainCalls).as("a shared-secret (HS256) token on %s reached the app backend", lifecyclePath)
			.hasValue(0);
		assertThat(exchange.getResponse().getStatusCode().is4xxClientError()).isTrue();
	}

	// --- helpers --------------------------------------------------------------------------------------------

	private static String contextToken(BoundRequest request) {
		return hs256(secret(ACME_SECRET), ConnectJwtVerifierTest.claims(request).claim("qsh", "context-qsh").build());
	}

	private static String connectToken(BoundRequest request) {
		return hs256(secret(ACME_SECRET), ConnectJwtVerifierTest.claims(request).build());
	}

	private void run(MockServerWebExchange exchange) {
		StepVerifier.create(this.filter.filter(exchange, this.chain)).expectComplete().verify(Duration.ofSeconds(10));
	}

	private void assertProblem(MockServerWebExchange exchange, HttpStatus status, String reason) {
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(status);
		assertThat(reason(exchange)).isEqualTo(reason);
		assertThat(this.chainCalls).hasValue(0);
	}

	private static MockServerWebExchange exchange(HttpMethod method, String pathAndQuery, String authorization) {
		MockServerHttpRequest.BaseBuilder<?> request = MockServerHttpRequest.method(method, URI.create(pathAndQuery));
		if (authorization != null) {
			request.header(HttpHeaders.AUTHORIZATION, authorization);
		}
		return MockServerWebExchange.from(request);
	}

	private double verifications(String kind, String outcome, String reason) {
		return this.meters.get("infosysta.gateway.credential.verifications")
			.tag("kind", kind)
			.tag("outcome", outcome)
			.tag("reason", reason)
			.counter()
			.count();
	}

}
