package com.infosysta.gateway.upstream;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.support.Netty4HeadersAdapter;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;

import com.infosysta.gateway.auth.AppCall;
import com.infosysta.gateway.auth.AppCatalog;
import com.infosysta.gateway.auth.AppDefinition;
import com.infosysta.gateway.auth.AuthProperties;
import com.infosysta.gateway.auth.Principal;
import com.infosysta.gateway.auth.SubjectKeys;
import com.infosysta.gateway.connect.CanonicalRequest;
import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.tenant.CredentialKind;
import com.infosysta.gateway.tenant.Registry;
import com.infosysta.gateway.tenant.RegistryFileParser;
import com.infosysta.gateway.tenant.Tenant;
import com.infosysta.gateway.tenant.UpstreamAddressRules;

import static org.assertj.core.api.Assertions.assertThat;

final class AppUpstreamFilterTest {

	private static final Instant NOW = Instant.parse("2026-11-20T10:15:30Z");

	private static final SecureRandom RANDOM = new SecureRandom();

	private static final String NEW_SECRET = randomSecret();

	private static final String OLD_SECRET = randomSecret();

	private static final String CONTOSO_SECRET = randomSecret();

	private static final String BACKEND_SECRET = randomSecret();

	private static final String APP_ID = "outlook-to-jira";

	private static final String APP_KEY = "com.infosysta.outlook-to-jira";

	private static final Registry REGISTRY = new RegistryFileParser(UpstreamAddressRules.STRICT).parse("registry.yml",
			"""
					tenants:
					  - id: acme
					    deployment: cloud
					    base-url: https://acme.atlassian.net
					    accept: [basic]
					    client-key: acme-key
					    apps:
					      outlook-to-jira: { shared-secret: ["%s", "%s"] }
					  - id: contoso
					    deployment: server
					    base-url: https://jira.contoso.example/jira
					    client-key: contoso-key
					    apps:
					      outlook-to-jira: { shared-secret: "%s" }
					""".formatted(NEW_SECRET, OLD_SECRET, CONTOSO_SECRET).getBytes(StandardCharsets.UTF_8));

	private static final AppDefinition APP = new AppCatalog(Map.of(APP_ID,
			new AuthProperties.App(APP_KEY, URI.create("http://127.0.0.1:9/backend"), BACKEND_SECRET,
					URI.create("https://apps.infosysta.example/outlook"), "0c2b5a9e-4f3d-4e8a-9b71-5d6e7f8a9b0c",
					List.of("GET /rest/api/3/search", "GET /rest/api/2/issue/{key}"), List.of("/context/**"),
					List.of())),
			new UpstreamAddressRules(true, true))
		.app(APP_ID);

	private final SubjectKeys subjectKeys = new SubjectKeys(randomSecret().getBytes(StandardCharsets.UTF_8));

	private final AppUpstreamFilter filter = new AppUpstreamFilter("/apps/", Clock.fixed(NOW, ZoneOffset.UTC),
			new ProblemResponseWriter());

	private final AtomicInteger chainCalls = new AtomicInteger();

	private final GatewayFilterChain chain = exchange -> {
		this.chainCalls.incrementAndGet();
		return Mono.empty();
	};

	@Test
	void sendsAJiraCallToTheTenantWithTheQueryMinusTheClientsToken() {
		String query = "jql=project%20%3D%20ABC+AND+status%3D%22Done%22&jwt=client.token.here&fields=summary,status"
				+ "&expand=names&empty=&flag";
		MockServerWebExchange exchange = jiraCall("acme", HttpMethod.GET, "/rest/api/3/search", query);

		run(exchange);

		URI target = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
		assertThat(target.toString()).isEqualTo("https://acme.atlassian.net/rest/api/3/search"
				+ "?jql=project%20%3D%20ABC+AND+status%3D%22Done%22&fields=summary,status&expand=names&empty=&flag");
		assertThat(this.chainCalls).hasValue(1);
		assertThat(exchange.<UpstreamBase>getAttribute(UpstreamBase.ATTRIBUTE))
			.isEqualTo(new UpstreamBase("https://acme.atlassian.net", "/apps/outlook-to-jira/jira"));
	}

	@Test
	void leavesNoQuestionMarkWhenTheTokenWasTheOnlyParameter() {
		MockServerWebExchange exchange = jiraCall("acme", HttpMethod.GET, "/rest/api/3/search", "jwt=a.b.c");

		run(exchange);

		URI target = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
		assertThat(target.toString()).isEqualTo("https://acme.atlassian.net/rest/api/3/search");
	}

	@Test
	void signsTheJiraCallWithTheInstallationsNewestSecretForExactlyTheOutboundRequest() throws Exception {
		String query = "jql=project%20%3D%20ABC&jwt=client.token.here&fields=summary,status";
		MockServerWebExchange exchange = jiraCall("acme", HttpMethod.GET, "/rest/api/3/search", query);

		run(exchange);

		OutboundCredential credential = exchange.getAttribute(OutboundCredential.ATTRIBUTE);
		assertThat(credential.authorization()).startsWith("JWT ");
		assertThat(credential.headers()).isEmpty();
		assertThat(credential.keepForgeHeaders()).isFalse();
		SignedJWT jwt = SignedJWT.parse(credential.authorization().substring("JWT ".length()));
		assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.HS256);
		assertThat(jwt.getHeader().getType()).isEqualTo(com.nimbusds.jose.JOSEObjectType.JWT);
		assertThat(jwt.getHeader().getIncludedParams()).containsExactlyInAnyOrder("alg", "typ");
		assertThat(jwt.verify(new MACVerifier(NEW_SECRET.getBytes(StandardCharsets.UTF_8)))).isTrue();
		assertThat(jwt.verify(new MACVerifier(OLD_SECRET.getBytes(StandardCharsets.UTF_8)))).isFalse();
		JWTClaimsSet claims = jwt.getJWTClaimsSet();
		assertThat(claims.getIssuer()).isEqualTo(APP_KEY);
		assertThat(claims.getIssueTime().toInstant()).isEqualTo(NOW);
		long lifetime = claims.getExpirationTime().getTime() / 1000 - claims.getIssueTime().getTime() / 1000;
		assertThat(lifetime).isPositive().isLessThanOrEqualTo(180);
		assertThat(claims.getStringClaim("qsh")).isEqualTo(CanonicalRequest.queryStringHash("GET",
				"/rest/api/3/search", "", "jql=project%20%3D%20ABC&fields=summary,status"));
	}

	@Test
	void bindsTheOutboundQshRelativeToTheTenantsContextPath() throws Exception {
		MockServerWebExchange exchange = jiraCall("contoso", HttpMethod.GET, "/rest/api/2/issue/CON-7", "expand=names");

		run(exchange);

		URI target = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
		assertThat(target.toString())
			.isEqualTo("https://jira.contoso.example/jira/rest/api/2/issue/CON-7?expand=names");
		SignedJWT jwt = SignedJWT.parse(exchange.<OutboundCredential>getAttribute(OutboundCredential.ATTRIBUTE)
			.authorization()
			.substring("JWT ".length()));
		assertThat(jwt.verify(new MACVerifier(CONTOSO_SECRET.getBytes(StandardCharsets.UTF_8)))).isTrue();
		assertThat(jwt.getJWTClaimsSet().getStringClaim("qsh")).isEqualTo(CanonicalRequest.queryStringHash("GET",
				"/jira/rest/api/2/issue/CON-7", "/jira", "expand=names"))
			.isEqualTo(CanonicalRequest.queryStringHash("GET", "/rest/api/2/issue/CON-7", "", "expand=names"));
	}

	@Test
	void sendsABackendCallWithASignedIdentity() throws Exception {
		Tenant acme = REGISTRY.tenant("acme");
		String subject = this.subjectKeys.of("acme:connect", "account-1");
		MockServerWebExchange exchange = exchange(HttpMethod.POST, "/apps/outlook-to-jira/webhook",
				"event=updated&jwt=client.token.here");
		exchange.getAttributes().put(AppCall.ATTRIBUTE, new AppCall(APP, false, "/webhook", acme, null));
		exchange.getAttributes()
			.put(Principal.ATTRIBUTE, new Principal("acme", APP_ID, CredentialKind.CONNECT, subject, "acme-key"));

		run(exchange);

		URI target = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
		assertThat(target.toString()).isEqualTo("http://127.0.0.1:9/backend/webhook?event=updated");
		OutboundCredential credential = exchange.getAttribute(OutboundCredential.ATTRIBUTE);
		assertThat(credential.authorization()).isNull();
		// Forge's x-forge-oauth-* headers pass only with a verified Forge invocation, never a Connect call's.
		assertThat(credential.keepForgeHeaders()).isFalse();
		SignedJWT identity = SignedJWT.parse(credential.headers().get(BackendIdentitySigner.HEADER_NAME));
		assertThat(identity.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.HS256);
		assertThat(identity.verify(new MACVerifier(BACKEND_SECRET.getBytes(StandardCharsets.UTF_8)))).isTrue();
		JWTClaimsSet claims = identity.getJWTClaimsSet();
		assertThat(claims.getIssuer()).isEqualTo("infosysta-gateway");
		assertThat(claims.getAudience()).containsExactly(APP_ID);
		assertThat(claims.getSubject()).isEqualTo(subject);
		assertThat(claims.getStringClaim("tenant")).isEqualTo("acme");
		assertThat(claims.getStringClaim("kind")).isEqualTo("connect");
		assertThat(claims.getStringClaim("client_key")).isEqualTo("acme-key");
		assertThat(claims.getIssueTime().toInstant()).isEqualTo(NOW);
		assertThat(claims.getExpirationTime().toInstant()).isAfter(NOW).isBeforeOrEqualTo(NOW.plusSeconds(60));
		assertThat(exchange.<UpstreamBase>getAttribute(UpstreamBase.ATTRIBUTE).gatewayPath())
			.isEqualTo("/apps/outlook-to-jira");
	}

	@Test
	void leavesTenantAndClientKeyOutOfTheIdentityWhenThereAreNone() throws Exception {
		MockServerWebExchange exchange = exchange(HttpMethod.POST, "/apps/outlook-to-jira/forge/event", null);
		exchange.getAttributes().put(AppCall.ATTRIBUTE, new AppCall(APP, false, "/forge/event", null, null));
		exchange.getAttributes()
			.put(Principal.ATTRIBUTE, new Principal(null, APP_ID, CredentialKind.FORGE, "subject-key", null));

		run(exchange);

		JWTClaimsSet claims = SignedJWT
			.parse(exchange.<OutboundCredential>getAttribute(OutboundCredential.ATTRIBUTE)
				.headers()
				.get(BackendIdentitySigner.HEADER_NAME))
			.getJWTClaimsSet();
		assertThat(claims.getClaims()).doesNotContainKeys("tenant", "client_key");
		assertThat(claims.getStringClaim("kind")).isEqualTo("forge");
	}

	@Test
	void refusesAnUnverifiedCallWith401() {
		MockServerWebExchange exchange = exchange(HttpMethod.GET, "/apps/outlook-to-jira/jira/rest/api/3/search", null);

		run(exchange);

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
		assertThat(this.chainCalls).hasValue(0);
		assertThat(exchange.getAttributes()).doesNotContainKeys(OutboundCredential.ATTRIBUTE,
				ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
	}

	@Test
	void replacesTheClientsAuthorizationOnAJiraCallAndDropsForgeTokens() {
		MockServerWebExchange exchange = jiraCall("acme", HttpMethod.GET, "/rest/api/3/search", null);
		run(exchange);
		OutboundCredential credential = exchange.getAttribute(OutboundCredential.ATTRIBUTE);

		HttpHeaders sent = sentUpstream(exchange);

		assertThat(sent.get(HttpHeaders.AUTHORIZATION)).containsExactly(credential.authorization());
		assertThat(sent.getFirst(HttpHeaders.AUTHORIZATION)).doesNotContain("client.token");
		assertThat(sent.headerNames()).noneMatch(name -> name.toLowerCase().startsWith("x-forge-oauth-"));
		assertThat(sent.headerNames()).noneMatch(name -> name.toLowerCase().startsWith("x-infosysta-"));
		assertThat(sent.containsHeader(HttpHeaders.COOKIE)).isFalse();
		assertThat(sent.getFirst(HttpHeaders.ACCEPT)).isEqualTo("application/json");
	}

	@Test
	void givesABackendTheGatewaysIdentityInsteadOfTheClientsAndKeepsForgeTokens() {
		MockServerWebExchange exchange = exchange(HttpMethod.POST, "/apps/outlook-to-jira/forge/event", null);
		exchange.getAttributes().put(AppCall.ATTRIBUTE, new AppCall(APP, false, "/forge/event", null, null));
		exchange.getAttributes()
			.put(Principal.ATTRIBUTE, new Principal(null, APP_ID, CredentialKind.FORGE, "subject-key", null));
		run(exchange);
		OutboundCredential credential = exchange.getAttribute(OutboundCredential.ATTRIBUTE);

		HttpHeaders sent = sentUpstream(exchange);

		assertThat(sent.containsHeader(HttpHeaders.AUTHORIZATION)).isFalse();
		assertThat(sent.get(BackendIdentitySigner.HEADER_NAME))
			.containsExactly(credential.headers().get(BackendIdentitySigner.HEADER_NAME));
		assertThat(sent.get("x-forge-oauth-system")).containsExactly("system-token");
		assertThat(sent.get("X-Forge-OAuth-User")).containsExactly("user-token");
		assertThat(sent.headerNames()).filteredOn(name -> name.toLowerCase().startsWith("x-infosysta-"))
			.hasSize(1);
	}

	private static HttpHeaders clientHeaders() {
		HttpHeaders client = new HttpHeaders();
		client.add(HttpHeaders.AUTHORIZATION, "JWT client.token.here");
		client.add("x-forge-oauth-system", "system-token");
		client.add("X-Forge-OAuth-User", "user-token");
		client.add(BackendIdentitySigner.HEADER_NAME, "forged.identity.token");
		client.add("X-Infosysta-Tenant", "globex");
		client.add(HttpHeaders.COOKIE, "session=abc");
		client.add(HttpHeaders.ACCEPT, "application/json");
		return client;
	}

	private MockServerWebExchange jiraCall(String tenantId, HttpMethod method, String rest, String query) {
		Tenant tenant = REGISTRY.tenant(tenantId);
		MockServerWebExchange exchange = exchange(method, "/apps/outlook-to-jira/jira" + rest, query);
		exchange.getAttributes()
			.put(AppCall.ATTRIBUTE, new AppCall(APP, true, rest, tenant, tenant.apps().get(APP_ID)));
		exchange.getAttributes()
			.put(Principal.ATTRIBUTE, new Principal(tenantId, APP_ID, CredentialKind.CONNECT,
					this.subjectKeys.of(tenantId + ":connect", "account-1"), tenant.clientKey()));
		return exchange;
	}

	private static MockServerWebExchange exchange(HttpMethod method, String path, String query) {
		return MockServerWebExchange
			.from(MockServerHttpRequest.method(method, URI.create(path + ((query != null) ? "?" + query : "")))
				.header(HttpHeaders.AUTHORIZATION, "JWT client.token.here"));
	}

	private void run(MockServerWebExchange exchange) {
		StepVerifier.create(this.filter.filter(exchange, this.chain)).expectComplete().verify();
	}

	private static String randomSecret() {
		byte[] bytes = new byte[32];
		RANDOM.nextBytes(bytes);
		return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
	}

	/** The header block the routing filter would send upstream for this exchange. */
	private HttpHeaders sentUpstream(ServerWebExchange exchange) {
		DefaultHttpHeaders sent = new DefaultHttpHeaders();
		UpstreamHeaders.forUpstream(clientHeaders(), exchange, sent);
		return new HttpHeaders(new Netty4HeadersAdapter(sent));
	}

}
