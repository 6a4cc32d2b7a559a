package com.infosysta.gateway.ratelimit;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import com.infosysta.gateway.auth.AppCall;
import com.infosysta.gateway.auth.AppDefinition;
import com.infosysta.gateway.auth.Principal;
import com.infosysta.gateway.tenant.CredentialKind;
import com.infosysta.gateway.tenant.Registry;
import com.infosysta.gateway.tenant.RegistryFileParser;
import com.infosysta.gateway.tenant.Tenant;
import com.infosysta.gateway.tenant.TenantResolutionFilter;
import com.infosysta.gateway.tenant.UpstreamAddressRules;
import com.infosysta.gateway.problem.ProblemResponseWriter;

import static org.assertj.core.api.Assertions.assertThat;

final class RateLimitFilterTest {

	private static final long SECOND = 1_000_000_000L;

	private static final ObjectMapper JSON = new ObjectMapper();

	/** Plan "small": the tenant 1/s burst 3 (window 3 s), each subject 0.5/s burst 2 (window 4 s). */
	private static final Registry REGISTRY = new RegistryFileParser(UpstreamAddressRules.STRICT).parse("registry.yml",
			"""
					plans:
					  small:
					    tenant: { rate: 1, burst: 3 }
					    subject: { rate: 0.5, burst: 2 }
					tenants:
					  - id: acme
					    deployment: server
					    base-url: https://jira.acme.example
					    plan: small
					""".getBytes(StandardCharsets.UTF_8));

	private static final Tenant ACME = REGISTRY.tenant("acme");

	private static final AppDefinition APP = new AppDefinition("tempo", "com.infosysta.tempo", null, null, null,
			null, List.of(), List.of(), List.of());

	private final AtomicLong now = new AtomicLong(1_000 * SECOND);

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final RateLimitFilter filter = new RateLimitFilter(
			new MemoryRateLimitStore(new TokenBuckets(this.now::get, 1_000)), this.meters, new ProblemResponseWriter());

	private final AtomicInteger chainCalls = new AtomicInteger();

	private final GatewayFilterChain chain = exchange -> {
		this.chainCalls.incrementAndGet();
		exchange.getResponse().setStatusCode(HttpStatus.OK);
		return exchange.getResponse().setComplete();
	};

	@Test
	void refusesTheSubjectsThirdCallWith429AndRetryAfter() {
		assertThat(status(call(principal("alice")))).isEqualTo(200);
		assertThat(status(call(principal("alice")))).isEqualTo(200);

		MockServerWebExchange refused = call(principal("alice"));

		assertThat(status(refused)).isEqualTo(429);
		assertThat(this.chainCalls).hasValue(2);
		assertThat(refused.getResponse().getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(body(refused).path("reason").asString()).isEqualTo("rate-limited");
		assertThat(body(refused).path("detail").asString()).contains("user");
		assertThat(Long.parseLong(refused.getResponse().getHeaders().getFirst(HttpHeaders.RETRY_AFTER)))
			.isGreaterThanOrEqualTo(1)
			.isEqualTo(2);
		assertThat(this.meters.get("infosysta.gateway.ratelimit.decisions")
			.tag("scope", "subject")
			.tag("outcome", "refused")
			.counter()
			.count()).isEqualTo(1);
	}

	@Test
	void answersCarryBothPoliciesAndTheStateOfTheCloserOne() {
		MockServerWebExchange first = call(principal("alice"));

		HttpHeaders headers = first.getResponse().getHeaders();
		assertThat(headers.getFirst("RateLimit-Policy")).isEqualTo("\"tenant\";q=3;w=3, \"subject\";q=2;w=4");
		// tenant 2 left, subject 1 left: the subject is closer to its limit.
		assertThat(headers.getFirst("RateLimit")).isEqualTo("\"subject\";r=1;t=2");
	}

	@Test
	void refusalNamesTheRefusingPolicyInTheStateField() {
		call(principal("alice"));
		call(principal("alice"));

		MockServerWebExchange refused = call(principal("alice"));

		assertThat(refused.getResponse().getHeaders().getFirst("RateLimit-Policy"))
			.isEqualTo("\"tenant\";q=3;w=3, \"subject\";q=2;w=4");
		assertThat(refused.getResponse().getHeaders().getFirst("RateLimit")).isEqualTo("\"subject\";r=0;t=4");
	}

	@Test
	void namesTheTenantWhenItIsTheCloserLimit() {
		call(principal("alice"));
		call(principal("bob"));

		MockServerWebExchange third = call(principal("carol"));

		// tenant 0 left, carol 1 left.
		assertThat(status(third)).isEqualTo(200);
		assertThat(third.getResponse().getHeaders().getFirst("RateLimit")).isEqualTo("\"tenant\";r=0;t=3");
	}

	@Test
	void withoutAPrincipalOnlyTheTenantPolicyIsListed() {
		MockServerWebExchange answered = call(null);

		assertThat(answered.getResponse().getHeaders().getFirst("RateLimit-Policy")).isEqualTo("\"tenant\";q=3;w=3");
		assertThat(answered.getResponse().getHeaders().getFirst("RateLimit")).isEqualTo("\"tenant\";r=2;t=1");
	}

	@Test
	void keepsTheUpstreamsOwnRateLimitFieldsAndAddsNone() {
		GatewayFilterChain upstreamWithItsOwnLimits = exchange -> {
			this.chainCalls.incrementAndGet();
			exchange.getResponse().setStatusCode(HttpStatus.OK);
			exchange.getResponse().getHeaders().set("RateLimit", "\"jira\";r=99;t=60");
			return exchange.getResponse().setComplete();
		};
		MockServerWebExchange exchange = exchange(principal("alice"));

		StepVerifier.create(this.filter.filter(exchange, upstreamWithItsOwnLimits)).verifyComplete();

		assertThat(exchange.getResponse().getHeaders().get("RateLimit")).containsExactly("\"jira\";r=99;t=60");
		assertThat(exchange.getResponse().getHeaders().containsHeader("RateLimit-Policy")).isFalse();
	}

	@Test
	void keepsTheUpstreamsOwnPolicyField() {
		GatewayFilterChain upstreamWithItsOwnPolicy = exchange -> {
			exchange.getResponse().setStatusCode(HttpStatus.OK);
			exchange.getResponse().getHeaders().set("RateLimit-Policy", "\"jira\";q=100;w=60");
			return exchange.getResponse().setComplete();
		};
		MockServerWebExchange exchange = exchange(principal("alice"));

		StepVerifier.create(this.filter.filter(exchange, upstreamWithItsOwnPolicy)).verifyComplete();

		assertThat(exchange.getResponse().getHeaders().get("RateLimit-Policy")).containsExactly("\"jira\";q=100;w=60");
		assertThat(exchange.getResponse().getHeaders().containsHeader("RateLimit")).isFalse();
	}

	@Test
	void neverLimitsAtlassiansOwnCallsToAnApp() {
		for (int i = 0; i < 100; i++) {
			MockServerWebExchange exchange = exchange(principal("atlassian"));
			exchange.getAttributes().put(AppCall.ATTRIBUTE, new AppCall(APP, false, "/webhook", ACME, null));

			StepVerifier.create(this.filter.filter(exchange, this.chain)).verifyComplete();

			assertThat(status(exchange)).isEqualTo(200);
			assertThat(exchange.getResponse().getHeaders().containsHeader("RateLimit")).isFalse();
		}

		assertThat(this.chainCalls).hasValue(100);
		// ... and they did not use up the tenant's budget either.
		assertThat(status(call(principal("alice")))).isEqualTo(200);
	}

	@Test
	void limitsAnAppUisCallsToJira() {
		for (int i = 0; i < 2; i++) {
			MockServerWebExchange exchange = exchange(principal("alice"));
			exchange.getAttributes().put(AppCall.ATTRIBUTE, new AppCall(APP, true, "/rest/api/3/myself", ACME, null));
			StepVerifier.create(this.filter.filter(exchange, this.chain)).verifyComplete();
			assertThat(status(exchange)).isEqualTo(200);
		}

		MockServerWebExchange third = exchange(principal("alice"));
		third.getAttributes().put(AppCall.ATTRIBUTE, new AppCall(APP, true, "/rest/api/3/myself", ACME, null));
		StepVerifier.create(this.filter.filter(third, this.chain)).verifyComplete();

		assertThat(status(third)).isEqualTo(429);
	}

	@Test
	void limitsAnAppUisCallsToItsBackendMadeWithAContextToken() {
		for (int i = 0; i < 2; i++) {
			MockServerWebExchange exchange = exchange(principal("alice"));
			exchange.getAttributes().put(AppCall.ATTRIBUTE, new AppCall(APP, false, "/panel", ACME, null, true));
			StepVerifier.create(this.filter.filter(exchange, this.chain)).verifyComplete();
			assertThat(status(exchange)).isEqualTo(200);
		}

		MockServerWebExchange third = exchange(principal("alice"));
		third.getAttributes().put(AppCall.ATTRIBUTE, new AppCall(APP, false, "/panel", ACME, null, true));
		StepVerifier.create(this.filter.filter(third, this.chain)).verifyComplete();

		assertThat(status(third)).isEqualTo(429);
	}

	@Test
	void subjectsOfOneTenantShareTheTenantsBucket() {
		assertThat(status(call(principal("alice")))).isEqualTo(200);
		assertThat(status(call(principal("alice")))).isEqualTo(200);
		assertThat(status(call(principal("bob")))).isEqualTo(200);

		MockServerWebExchange refused = call(principal("carol"));

		assertThat(status(refused)).isEqualTo(429);
		assertThat(body(refused).path("reason").asString()).isEqualTo("rate-limited");
		assertThat(body(refused).path("detail").asString()).contains("tenant");
		assertThat(refused.getResponse().getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("1");
		assertThat(refused.getResponse().getHeaders().getFirst("RateLimit")).isEqualTo("\"tenant\";r=0;t=3");
		assertThat(this.chainCalls).hasValue(3);

		this.now.addAndGet(SECOND);
		assertThat(status(call(principal("carol")))).as("a tenant token a second later").isEqualTo(200);
	}

	@Test
	void passesCallsWithoutATenant() {
		for (int i = 0; i < 10; i++) {
			MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/jira/nope/x"));
			StepVerifier.create(this.filter.filter(exchange, this.chain)).verifyComplete();
			assertThat(status(exchange)).isEqualTo(200);
		}
	}

	private MockServerWebExchange call(Principal principal) {
		MockServerWebExchange exchange = exchange(principal);
		StepVerifier.create(this.filter.filter(exchange, this.chain)).verifyComplete();
		return exchange;
	}

	private static MockServerWebExchange exchange(Principal principal) {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.get("/jira/acme/rest/api/2/myself"));
		exchange.getAttributes().put(TenantResolutionFilter.TENANT_ATTRIBUTE, ACME);
		if (principal != null) {
			exchange.getAttributes().put(Principal.ATTRIBUTE, principal);
		}
		return exchange;
	}

	private static Principal principal(String user) {
		return new Principal("acme", null, CredentialKind.BASIC, "subject-key-of-" + user, null);
	}

	private static int status(MockServerWebExchange exchange) {
		return exchange.getResponse().getStatusCode().value();
	}

	private static JsonNode body(MockServerWebExchange exchange) {
		return JSON.readTree(exchange.getResponse().getBodyAsString().block());
	}

}
