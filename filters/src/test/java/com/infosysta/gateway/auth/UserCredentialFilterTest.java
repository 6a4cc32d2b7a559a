package com.infosysta.gateway.auth;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import tools.jackson.databind.ObjectMapper;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.tenant.CredentialKind;
import com.infosysta.gateway.tenant.Registry;
import com.infosysta.gateway.tenant.Tenant;
import com.infosysta.gateway.tenant.TenantResolutionFilter;

import static org.assertj.core.api.Assertions.assertThat;

final class UserCredentialFilterTest {

	private static final Registry REGISTRY = AuthFixtures.registry();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final UserCredentialFilter filter = new UserCredentialFilter(
			new SubjectKeys(AuthFixtures.secret(AuthFixtures.randomSecret())), new VerificationMetrics(this.meters),
			new ProblemResponseWriter());

	private final AtomicInteger chainCalls = new AtomicInteger();

	private final GatewayFilterChain chain = exchange -> {
		this.chainCalls.incrementAndGet();
		return Mono.empty();
	};

	@Test
	void bindsBasicCredentialOnATenantThatAcceptsBasic() {
		MockServerWebExchange exchange = exchange("acme", basic("jane@acme.example", "api-token-123"));

		run(exchange);

		assertThat(this.chainCalls).hasValue(1);
		Principal principal = exchange.getAttribute(Principal.ATTRIBUTE);
		assertThat(principal.kind()).isEqualTo(CredentialKind.BASIC);
		assertThat(principal.tenantId()).isEqualTo("acme");
		assertThat(principal.appId()).isNull();
		assertThat(principal.clientKey()).isNull();
		assertThat(principal.subjectKey()).isNotBlank()
			.doesNotContain("jane")
			.doesNotContain("api-token-123")
			.doesNotContain(Base64.getEncoder().encodeToString("jane@acme.example".getBytes(StandardCharsets.UTF_8)));
		assertThat(exchange.getResponse().getStatusCode()).isNull();
		assertThat(accepted("basic")).isEqualTo(1);
	}

	@Test
	void takesTheSchemeNameInAnyCase() {
		MockServerWebExchange exchange = exchange("acme", "bAsIc " + encode("jane:secret"));

		run(exchange);

		assertThat(this.chainCalls).hasValue(1);
	}

	@Test
	void readsABearerAsOauthOnCloud() {
		MockServerWebExchange exchange = exchange("globex", "Bearer eyJraWQiOiJvYXV0aCJ9.eyJzdWIiOiJ4In0.c2ln");

		run(exchange);

		assertThat(this.chainCalls).hasValue(1);
		assertThat(exchange.<Principal>getAttribute(Principal.ATTRIBUTE).kind()).isEqualTo(CredentialKind.OAUTH);
	}

	@Test
	void readsABearerAsPersonalAccessTokenOnServer() {
		MockServerWebExchange exchange = exchange("umbrella", "Bearer NjY4MzQ5ODk4NjEyOhk/zQ+abc=");

		run(exchange);

		assertThat(this.chainCalls).hasValue(1);
		assertThat(exchange.<Principal>getAttribute(Principal.ATTRIBUTE).kind()).isEqualTo(CredentialKind.PAT);
	}

	@Test
	void refusesAKindTheTenantDoesNotAcceptWith401AndAChallenge() {
		MockServerWebExchange exchange = exchange("acme", "Bearer abcdef");

		run(exchange);

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
		assertThat(reason(exchange)).isEqualTo("credential-not-accepted");
		assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).startsWith("Basic ")
			.doesNotContain("Bearer");
		assertThat(this.chainCalls).hasValue(0);
		assertThat(exchange.getAttributes()).doesNotContainKey(Principal.ATTRIBUTE);
	}

	@Test
	void refusesAnUnknownSchemeWith401() {
		MockServerWebExchange exchange = exchange("acme", "Digest username=\"jane\"");

		run(exchange);

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
		assertThat(reason(exchange)).isEqualTo("credential-not-accepted");
		assertThat(this.chainCalls).hasValue(0);
	}

	@Test
	void answersMissingCredentialWith401AndAChallengeForEveryAcceptedKind() {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.method(HttpMethod.GET, URI.create("/jira/globex/rest/api/3/myself")));
		exchange.getAttributes().put(TenantResolutionFilter.TENANT_ATTRIBUTE, REGISTRY.tenant("globex"));

		run(exchange);

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
		assertThat(reason(exchange)).isEqualTo("credential-missing");
		assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).contains("Basic ")
			.contains("Bearer ");
		assertThat(this.chainCalls).hasValue(0);
	}

	@Test
	void refusesTwoAuthorizationHeadersWith400() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest
			.method(HttpMethod.GET, URI.create("/jira/acme/rest/api/3/myself"))
			.header(HttpHeaders.AUTHORIZATION, basic("jane", "a"), basic("admin", "b")));
		exchange.getAttributes().put(TenantResolutionFilter.TENANT_ATTRIBUTE, REGISTRY.tenant("acme"));

		run(exchange);

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(reason(exchange)).isEqualTo("malformed-credential");
		assertThat(this.chainCalls).hasValue(0);
	}

	@ParameterizedTest
	@ValueSource(strings = { "Basic !!!not-base64!!!", "Basic amFuZQ%%", "Basic ", "Basic bm8tY29sb24taGVyZQ==",
			"Basic OnBhc3N3b3Jk", "Basic amFuZQpldmlsOnB3" })
	void refusesMalformedBasicWith400(String authorization) {
		// bm8tY29sb24taGVyZQ== is "no-colon-here", OnBhc3N3b3Jk is ":password", amFuZQpldmlsOnB3 has a line feed
		MockServerWebExchange exchange = exchange("acme", authorization);

		run(exchange);

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(reason(exchange)).isEqualTo("malformed-credential");
		assertThat(this.chainCalls).hasValue(0);
	}

	@ParameterizedTest
	@ValueSource(strings = { "Bearer ", "Bearer    ", "Bearer abc def", "Bearer abc\"def", "Bearer \"abc\"",
			"Bearer abc,def", "Bearer ab=c" })
	void refusesMalformedBearerWith400(String authorization) {
		MockServerWebExchange exchange = exchange("globex", authorization);

		run(exchange);

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(reason(exchange)).isEqualTo("malformed-credential");
		assertThat(this.chainCalls).hasValue(0);
	}

	@Test
	void refusesABearerOver8KiBWith401() {
		MockServerWebExchange exchange = exchange("globex", "Bearer " + "a".repeat(JwtChecks.MAX_TOKEN_CHARS + 1));

		run(exchange);

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
		assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).isNotBlank();
		assertThat(this.chainCalls).hasValue(0);
	}

	@Test
	void acceptsABearerOfExactly8KiB() {
		MockServerWebExchange exchange = exchange("globex", "Bearer " + "a".repeat(JwtChecks.MAX_TOKEN_CHARS));

		run(exchange);

		assertThat(this.chainCalls).hasValue(1);
	}

	@Test
	void givesTheSameUserDifferentSubjectKeysOnDifferentTenants() {
		String credential = basic("jane@example.com", "token");

		assertThat(subjectKey("acme", credential)).isNotEqualTo(subjectKey("globex", credential));
	}

	@Test
	void givesTheSameUserTheSameSubjectKeyEveryTime() {
		String credential = basic("jane@example.com", "token");

		assertThat(subjectKey("acme", credential)).isEqualTo(subjectKey("acme", credential));
	}

	@Test
	void neverLetsThePasswordInfluenceTheSubjectKey() {
		assertThat(subjectKey("umbrella", basic("jane", "first-password")))
			.isEqualTo(subjectKey("umbrella", basic("jane", "second:password")))
			.isNotEqualTo(subjectKey("umbrella", basic("john", "first-password")));
	}

	@Test
	void givesDifferentBearerTokensDifferentSubjectKeys() {
		assertThat(subjectKey("globex", "Bearer token-one")).isNotEqualTo(subjectKey("globex", "Bearer token-two"))
			.isEqualTo(subjectKey("globex", "Bearer token-one"));
	}

	@Test
	void answersAMissingTenantWith404() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest
			.method(HttpMethod.GET, URI.create("/jira/acme/rest/api/3/myself"))
			.header(HttpHeaders.AUTHORIZATION, basic("jane", "x")));

		run(exchange);

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
		assertThat(this.chainCalls).hasValue(0);
	}

	private String subjectKey(String tenant, String authorization) {
		MockServerWebExchange exchange = exchange(tenant, authorization);
		run(exchange);
		Principal principal = exchange.getAttribute(Principal.ATTRIBUTE);
		assertThat(principal).as("principal bound for " + tenant).isNotNull();
		return principal.subjectKey();
	}

	private void run(MockServerWebExchange exchange) {
		StepVerifier.create(this.filter.filter(exchange, this.chain)).expectComplete().verify();
	}

	private static MockServerWebExchange exchange(String tenantId, String authorization) {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest
			.method(HttpMethod.GET, URI.create("/jira/" + tenantId + "/rest/api/3/myself"))
			.header(HttpHeaders.AUTHORIZATION, authorization));
		Tenant tenant = REGISTRY.tenant(tenantId);
		exchange.getAttributes().put(TenantResolutionFilter.TENANT_ATTRIBUTE, tenant);
		return exchange;
	}

	private static String basic(String user, String password) {
		return "Basic " + encode(user + ":" + password);
	}

	private static String encode(String text) {
		return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
	}

	static String reason(MockServerWebExchange exchange) {
		String body = exchange.getResponse().getBodyAsString().block();
		return new ObjectMapper().readTree(body).path("reason").asString();
	}

	private double accepted(String kind) {
		return this.meters.get("infosysta.gateway.credential.verifications")
			.tag("kind", kind)
			.tag("outcome", "accepted")
			.counter()
			.count();
	}

}
