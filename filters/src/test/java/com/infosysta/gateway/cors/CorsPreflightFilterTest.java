package com.infosysta.gateway.cors;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.WebFilterChain;

import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.problem.ProblemType;

import static org.assertj.core.api.Assertions.assertThat;

final class CorsPreflightFilterTest {

	private final CorsFixtures fixtures = new CorsFixtures();

	private final CorsPreflightFilter filter = new CorsPreflightFilter(this.fixtures.policy(false),
			new ProblemResponseWriter());

	private final AtomicBoolean chainCalled = new AtomicBoolean();

	private final WebFilterChain chain = exchange -> {
		this.chainCalled.set(true);
		return Mono.empty();
	};

	@Test
	void answersAPreflightFromAnAllowedOriginItselfWith204() {
		MockServerWebExchange exchange = preflight("/jira/acme/rest/api/2/issue", CorsFixtures.ADDIN, "POST",
				headers -> headers.header(HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS, "Authorization, content-type,"
						+ "X-Request-Id"));

		run(exchange);

		assertThat(this.chainCalled).as("a preflight never goes on towards an upstream").isFalse();
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.NO_CONTENT);
		HttpHeaders answer = exchange.getResponse().getHeaders();
		assertThat(answer.get(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN)).containsExactly(CorsFixtures.ADDIN);
		assertThat(answer.getFirst(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS))
			.isEqualTo("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
		assertThat(answer.getFirst(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS))
			.isEqualTo("authorization, content-type, x-request-id");
		assertThat(answer.getFirst(HttpHeaders.ACCESS_CONTROL_MAX_AGE)).isEqualTo("600");
		assertThat(answer.getFirst(HttpHeaders.VARY)).contains("Origin");
		assertThat(answer.containsHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS)).isFalse();
		assertThat(exchange.<Boolean>getAttribute(CorsPolicy.PREFLIGHT_ANSWERED_ATTRIBUTE)).isTrue();
	}

	@Test
	void answersAnAppPreflightFromTheAppsOrigin() {
		MockServerWebExchange exchange = preflight("/apps/outlook-to-jira/jira/rest/api/3/myself",
				CorsFixtures.APP_UI, "GET", headers -> {
				});

		run(exchange);

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.NO_CONTENT);
		assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN))
			.isEqualTo(CorsFixtures.APP_UI);
		assertThat(exchange.getResponse().getHeaders().containsHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS))
			.isFalse();
	}

	@Test
	void allowsCredentialsOnlyWhenConfigured() {
		CorsPreflightFilter withCredentials = new CorsPreflightFilter(this.fixtures.policy(true),
				new ProblemResponseWriter());
		MockServerWebExchange exchange = preflight("/jira/acme/x", CorsFixtures.ADDIN, "GET", headers -> {
		});

		StepVerifier.create(withCredentials.filter(exchange, this.chain)).verifyComplete();

		assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS))
			.isEqualTo("true");
	}

	@ParameterizedTest
	@ValueSource(strings = { CorsFixtures.STRANGER, CorsFixtures.APP_UI, "https://addin.example.com:443", "null",
			"https://ADDIN.example.com", "https://addin.example.com.evil.example" })
	void refusesAPreflightFromAnyOtherOriginWithoutCorsHeaders(String origin) {
		MockServerWebExchange exchange = preflight("/jira/acme/rest/api/2/issue", origin, "GET", headers -> {
		});

		run(exchange);

		assertRefused(exchange);
	}

	@Test
	void refusesAPreflightToATenantWithoutOrigins() {
		MockServerWebExchange exchange = preflight("/jira/globex/x", CorsFixtures.ADDIN, "GET", headers -> {
		});

		run(exchange);

		assertRefused(exchange);
	}

	@Test
	void refusesAPreflightWithTwoOrigins() {
		MockServerWebExchange exchange = preflight("/jira/acme/x", CorsFixtures.ADDIN, "GET",
				headers -> headers.header(HttpHeaders.ORIGIN, CorsFixtures.STRANGER));

		run(exchange);

		assertRefused(exchange);
	}

	@ParameterizedTest
	@ValueSource(strings = { "TRACE", "CONNECT", "get", "PROPFIND", "" })
	void refusesAPreflightForAMethodTheGatewayDoesNotForward(String method) {
		MockServerWebExchange exchange = preflight("/jira/acme/x", CorsFixtures.ADDIN, method, headers -> {
		});

		run(exchange);

		assertRefused(exchange);
	}

	@ParameterizedTest
	@ValueSource(strings = { "Cookie", "X-Forwarded-For", "authorization, X-Infosysta-Identity", "*" })
	void refusesAPreflightAskingForAHeaderOffTheList(String requested) {
		MockServerWebExchange exchange = preflight("/jira/acme/x", CorsFixtures.ADDIN, "GET",
				headers -> headers.header(HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS, requested));

		run(exchange);

		assertRefused(exchange);
	}

	@Test
	void answersAPreflightToAnUnknownTenantLikeAnyCallThere() {
		MockServerWebExchange exchange = preflight("/jira/nobody/x", CorsFixtures.ADDIN, "GET", headers -> {
		});

		run(exchange);

		assertThat(this.chainCalled).isFalse();
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
		assertThat(exchange.<ProblemType>getAttribute(ProblemResponseWriter.PROBLEM_TYPE_ATTRIBUTE))
			.as("the brute-force guard counts it as it counts any unknown tenant")
			.isEqualTo(ProblemType.UNKNOWN_TENANT);
		assertThat(exchange.getResponse().getHeaders().containsHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN))
			.isFalse();
	}

	@Test
	void answersAPreflightToAnUnknownAppLikeAnyCallThere() {
		MockServerWebExchange exchange = preflight("/apps/nothing/x", CorsFixtures.APP_UI, "GET", headers -> {
		});

		run(exchange);

		assertThat(exchange.<ProblemType>getAttribute(ProblemResponseWriter.PROBLEM_TYPE_ATTRIBUTE))
			.isEqualTo(ProblemType.UNKNOWN_APP);
	}

	@Test
	void followsTheRegistryVersionInForce() {
		this.fixtures.registry.set(CorsFixtures.registry("""
				tenants:
				  - id: acme
				    deployment: server
				    base-url: https://jira.acme.example
				    cors-origins: [https://evil.example.net]
				"""));
		MockServerWebExchange old = preflight("/jira/acme/x", CorsFixtures.ADDIN, "GET", headers -> {
		});
		MockServerWebExchange added = preflight("/jira/acme/x", CorsFixtures.STRANGER, "GET", headers -> {
		});

		run(old);
		run(added);

		assertRefused(old);
		assertThat(added.getResponse().getStatusCode()).isEqualTo(HttpStatus.NO_CONTENT);
	}

	@Test
	void letsOtherOptionsRequestsGoOn() {
		MockServerWebExchange noRequestMethod = MockServerWebExchange.from(MockServerHttpRequest
			.method(HttpMethod.OPTIONS, "/jira/acme/x")
			.header(HttpHeaders.ORIGIN, CorsFixtures.ADDIN));
		MockServerWebExchange noOrigin = MockServerWebExchange.from(MockServerHttpRequest
			.method(HttpMethod.OPTIONS, "/jira/acme/x")
			.header(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, "GET"));

		run(noRequestMethod);
		assertThat(this.chainCalled).isTrue();
		this.chainCalled.set(false);
		run(noOrigin);
		assertThat(this.chainCalled).isTrue();
		assertThat(noOrigin.getResponse().getStatusCode()).isNull();
	}

	@Test
	void letsAPreflightOffTheRouteFamiliesGoOnToTheUnknownRouteAnswer() {
		MockServerWebExchange exchange = preflight("/elsewhere", CorsFixtures.ADDIN, "GET", headers -> {
		});

		run(exchange);

		assertThat(this.chainCalled).isTrue();
	}

	private void run(MockServerWebExchange exchange) {
		StepVerifier.create(this.filter.filter(exchange, this.chain)).verifyComplete();
	}

	private void assertRefused(MockServerWebExchange exchange) {
		assertThat(this.chainCalled).isFalse();
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
		assertThat(exchange.<ProblemType>getAttribute(ProblemResponseWriter.PROBLEM_TYPE_ATTRIBUTE))
			.isEqualTo(ProblemType.CORS_NOT_ALLOWED);
		assertThat(exchange.getResponse().getHeaders().headerNames())
			.noneMatch(name -> name.toLowerCase(java.util.Locale.ROOT).startsWith("access-control-"));
		assertThat(exchange.<Boolean>getAttribute(CorsPolicy.PREFLIGHT_ANSWERED_ATTRIBUTE)).isTrue();
	}

	private static MockServerWebExchange preflight(String path, String origin, String method,
			Consumer<MockServerHttpRequest.BaseBuilder<?>> more) {
		MockServerHttpRequest.BaseBuilder<?> request = MockServerHttpRequest.method(HttpMethod.OPTIONS, path)
			.header(HttpHeaders.ORIGIN, origin)
			.header(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, method);
		more.accept(request);
		return MockServerWebExchange.from(request);
	}

}
