package com.infosysta.gateway.cors;

import java.util.Locale;

import org.junit.jupiter.api.Test;
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

final class CorsHeadersFilterTest {

	private final CorsFixtures fixtures = new CorsFixtures();

	private final CorsHeadersFilter filter = new CorsHeadersFilter(this.fixtures.policy(false));

	/** What an upstream that does CORS its own way sends back. */
	private final WebFilterChain upstreamWithItsOwnCors = exchange -> {
		HttpHeaders headers = exchange.getResponse().getHeaders();
		headers.set(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
		headers.set(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
		headers.set("access-control-allow-methods", "GET, TRACE");
		headers.set(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS, "Set-Cookie");
		headers.set(HttpHeaders.VARY, "Accept-Encoding");
		headers.set("X-Request-Id", "abc");
		return exchange.getResponse().setComplete();
	};

	@Test
	void letsAnAllowedOriginReadTheAnswerAndItsRequestIdAndLimits() {
		MockServerWebExchange exchange = call("/jira/acme/rest/api/2/myself", CorsFixtures.ADDIN);

		StepVerifier.create(this.filter.filter(exchange, this.upstreamWithItsOwnCors)).verifyComplete();

		HttpHeaders answer = exchange.getResponse().getHeaders();
		assertThat(answer.get(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN)).containsExactly(CorsFixtures.ADDIN);
		assertThat(answer.get(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS))
			.containsExactly("X-Request-Id, Retry-After, RateLimit, RateLimit-Policy, RateLimit-Reason,"
					+ " X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset");
		assertThat(answer.containsHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS)).isFalse();
		assertThat(answer.containsHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS)).isFalse();
		assertThat(answer.get(HttpHeaders.VARY)).containsExactly("Accept-Encoding", "Origin");
		assertThat(answer.getFirst("X-Request-Id")).isEqualTo("abc");
	}

	@Test
	void dropsAnUpstreamsCorsHeadersForAnyOtherOrigin() {
		MockServerWebExchange exchange = call("/jira/acme/rest/api/2/myself", CorsFixtures.STRANGER);

		StepVerifier.create(this.filter.filter(exchange, this.upstreamWithItsOwnCors)).verifyComplete();

		assertNoCorsHeaders(exchange);
		assertThat(exchange.getResponse().getHeaders().get(HttpHeaders.VARY)).containsExactly("Accept-Encoding");
	}

	@Test
	void dropsAnUpstreamsCorsHeadersWhenNoOriginWasSent() {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.get("/jira/acme/rest/api/2/myself"));

		StepVerifier.create(this.filter.filter(exchange, this.upstreamWithItsOwnCors)).verifyComplete();

		assertNoCorsHeaders(exchange);
	}

	@Test
	void keepsEachRouteFamilysOwnOrigins() {
		MockServerWebExchange appOriginOnJira = call("/jira/acme/x", CorsFixtures.APP_UI);
		MockServerWebExchange appOriginOnApp = call("/apps/outlook-to-jira/jira/x", CorsFixtures.APP_UI);
		MockServerWebExchange tenantWithoutOrigins = call("/jira/globex/x", CorsFixtures.ADDIN);
		MockServerWebExchange unknownTenant = call("/jira/nobody/x", CorsFixtures.ADDIN);
		MockServerWebExchange noRoute = call("/actuator/health", CorsFixtures.ADDIN);

		for (MockServerWebExchange exchange : new MockServerWebExchange[] { appOriginOnJira, appOriginOnApp,
				tenantWithoutOrigins, unknownTenant, noRoute }) {
			StepVerifier.create(this.filter.filter(exchange, this.upstreamWithItsOwnCors)).verifyComplete();
		}

		assertNoCorsHeaders(appOriginOnJira);
		assertThat(appOriginOnApp.getResponse().getHeaders().getFirst(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN))
			.isEqualTo(CorsFixtures.APP_UI);
		assertNoCorsHeaders(tenantWithoutOrigins);
		assertNoCorsHeaders(unknownTenant);
		assertNoCorsHeaders(noRoute);
	}

	@Test
	void decoratesTheGatewaysOwnProblemAnswersToo() {
		MockServerWebExchange exchange = call("/jira/acme/x", CorsFixtures.ADDIN);
		WebFilterChain refusal = ex -> {
			ex.getResponse().getHeaders().set(HttpHeaders.RETRY_AFTER, "7");
			return new ProblemResponseWriter().write(ex, ProblemType.TOO_MANY_FAILED_AUTHENTICATIONS, "Later.");
		};

		StepVerifier.create(this.filter.filter(exchange, refusal)).verifyComplete();

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
		assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN))
			.isEqualTo(CorsFixtures.ADDIN);
	}

	@Test
	void sendsAllowCredentialsOnlyWhenConfigured() {
		CorsHeadersFilter withCredentials = new CorsHeadersFilter(this.fixtures.policy(true));
		MockServerWebExchange exchange = call("/jira/acme/x", CorsFixtures.ADDIN);

		StepVerifier.create(withCredentials.filter(exchange, ex -> ex.getResponse().setComplete())).verifyComplete();

		assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS))
			.isEqualTo("true");
	}

	@Test
	void leavesAPreflightAnswerOfTheGatewayAsItIs() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest
			.method(HttpMethod.OPTIONS, "/jira/acme/x")
			.header(HttpHeaders.ORIGIN, CorsFixtures.ADDIN)
			.header(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, "GET"));
		CorsPreflightFilter preflights = new CorsPreflightFilter(this.fixtures.policy(false),
				new ProblemResponseWriter());

		StepVerifier.create(this.filter.filter(exchange, ex -> preflights.filter(ex, next -> {
			throw new AssertionError("a preflight goes no further");
		}))).verifyComplete();

		HttpHeaders answer = exchange.getResponse().getHeaders();
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.NO_CONTENT);
		assertThat(answer.get(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN)).containsExactly(CorsFixtures.ADDIN);
		assertThat(answer.containsHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS)).isTrue();
		assertThat(answer.containsHeader(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS)).isFalse();
	}

	private static MockServerWebExchange call(String path, String origin) {
		return MockServerWebExchange.from(MockServerHttpRequest.get(path).header(HttpHeaders.ORIGIN, origin));
	}

	private static void assertNoCorsHeaders(MockServerWebExchange exchange) {
		assertThat(exchange.getResponse().getHeaders().headerNames())
			.noneMatch(name -> name.toLowerCase(Locale.ROOT).startsWith("access-control-"));
	}

}
