package com.infosysta.gateway.tenant;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import tools.jackson.databind.ObjectMapper;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import com.infosysta.gateway.problem.ProblemResponseWriter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

final class TenantResolutionFilterTest {

	private static final Registry REGISTRY = new RegistryFileParser(UpstreamAddressRules.STRICT).parse("registry.yml",
			"""
					tenants:
					  - id: acme
					    deployment: server
					    base-url: https://jira.acme.example/jira
					  - id: old-co
					    deployment: server
					    base-url: https://jira.old-co.example
					    enabled: false
					""".getBytes(StandardCharsets.UTF_8));

	private final TenantRegistry tenants = () -> REGISTRY;

	private final TenantResolutionFilter filter = new TenantResolutionFilter("/jira/", this.tenants,
			new ProblemResponseWriter());

	private final AtomicBoolean chainCalled = new AtomicBoolean();

	private final GatewayFilterChain chain = exchange -> {
		this.chainCalled.set(true);
		return Mono.empty();
	};

	@Test
	void resolvesTenantAndKeepsRawRestOfPath() {
		MockServerWebExchange exchange = exchange("/jira/acme/rest/x?q");

		StepVerifier.create(this.filter.filter(exchange, this.chain)).verifyComplete();

		assertThat(this.chainCalled).isTrue();
		assertThat(exchange.<Tenant>getAttribute(TenantResolutionFilter.TENANT_ATTRIBUTE))
			.isSameAs(REGISTRY.tenant("acme"));
		assertThat(exchange.<String>getAttribute(TenantResolutionFilter.REST_PATH_ATTRIBUTE)).isEqualTo("/rest/x");
		assertThat(exchange.getResponse().getStatusCode()).isNull();
	}

	@Test
	void resolvesTenantWithEmptyRestPath() {
		MockServerWebExchange exchange = exchange("/jira/acme");

		StepVerifier.create(this.filter.filter(exchange, this.chain)).verifyComplete();

		assertThat(this.chainCalled).isTrue();
		assertThat(exchange.<String>getAttribute(TenantResolutionFilter.REST_PATH_ATTRIBUTE)).isEmpty();
	}

	@Test
	void keepsRestPathStillPercentEncoded() {
		MockServerWebExchange exchange = exchange("/jira/acme/a/r%C3%A9sum%C3%A9/");

		StepVerifier.create(this.filter.filter(exchange, this.chain)).verifyComplete();

		assertThat(exchange.<String>getAttribute(TenantResolutionFilter.REST_PATH_ATTRIBUTE))
			.isEqualTo("/a/r%C3%A9sum%C3%A9/");
	}

	@ParameterizedTest
	@ValueSource(strings = { "/jira/unknown/rest/x", "/jira/", "/jira/ACME/rest/x", "/jira/Acme", "/jira//acme",
			"/jira/ac%6De/rest/x", "/jira", "/apps/acme/rest/x" })
	void answersUnknownTenantWith404(String path) {
		MockServerWebExchange exchange = exchange(path);

		StepVerifier.create(this.filter.filter(exchange, this.chain)).verifyComplete();

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
		assertThat(reason(exchange)).isEqualTo("unknown-tenant");
		assertThat(this.chainCalled).isFalse();
		assertThat(exchange.getAttributes()).doesNotContainKey(TenantResolutionFilter.TENANT_ATTRIBUTE);
	}

	@Test
	void doesNotEchoTheRequestedTenantId() {
		MockServerWebExchange exchange = exchange("/jira/nosuchco/rest/x");

		StepVerifier.create(this.filter.filter(exchange, this.chain)).verifyComplete();

		assertThat(exchange.getResponse().getBodyAsString().block()).doesNotContain("nosuchco");
	}

	@Test
	void answersDisabledTenantWith403() {
		MockServerWebExchange exchange = exchange("/jira/old-co/rest/api/2/myself");

		StepVerifier.create(this.filter.filter(exchange, this.chain)).verifyComplete();

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
		assertThat(reason(exchange)).isEqualTo("tenant-disabled");
		assertThat(this.chainCalled).isFalse();
		assertThat(exchange.getAttributes()).doesNotContainKey(TenantResolutionFilter.TENANT_ATTRIBUTE);
	}

	@Test
	void readsTheRegistryVersionInForceOnEachRequest() {
		Registry[] current = { REGISTRY };
		TenantResolutionFilter reloading = new TenantResolutionFilter("/jira/", () -> current[0],
				new ProblemResponseWriter());
		current[0] = new RegistryFileParser(UpstreamAddressRules.STRICT).parse("registry.yml",
				"tenants: []".getBytes(StandardCharsets.UTF_8));
		MockServerWebExchange exchange = exchange("/jira/acme/rest/x");

		StepVerifier.create(reloading.filter(exchange, this.chain)).verifyComplete();

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
		assertThat(this.chainCalled).isFalse();
	}

	@ParameterizedTest
	@ValueSource(strings = { "jira/", "/jira", "" })
	void refusesRoutePrefixWithoutSlashes(String prefix) {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new TenantResolutionFilter(prefix, this.tenants, new ProblemResponseWriter()))
			.withMessageContaining("routePrefix");
	}

	private static MockServerWebExchange exchange(String rawPathAndQuery) {
		return MockServerWebExchange.from(MockServerHttpRequest.method(HttpMethod.GET, URI.create(rawPathAndQuery)));
	}

	private static String reason(MockServerWebExchange exchange) {
		String body = exchange.getResponse().getBodyAsString().block();
		return new ObjectMapper().readTree(body).path("reason").asString();
	}

}
