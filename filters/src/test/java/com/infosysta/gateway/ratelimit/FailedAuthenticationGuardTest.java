package com.infosysta.gateway.ratelimit;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.WebFilterChain;

import com.infosysta.gateway.guard.RequestGuardFilter;
import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.problem.ProblemType;

import static org.assertj.core.api.Assertions.assertThat;

final class FailedAuthenticationGuardTest {

	private static final long SECOND = 1_000_000_000L;

	private static final ObjectMapper JSON = new ObjectMapper();

	private final AtomicLong now = new AtomicLong(7 * SECOND);

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final ProblemResponseWriter problems = new ProblemResponseWriter();

	/** The default: 10 failures per minute, burst 10 — a token every 6 s. */
	private final FailedAuthenticationGuard guard = new FailedAuthenticationGuard(
			new TokenBuckets(this.now::get, 1_000), new RateLimitProperties.FailedAuth(10, 10).limit(), this.meters,
			this.problems);

	private final AtomicInteger chainCalls = new AtomicInteger();

	@Test
	void refusesTheEleventhRequestAfterTenFailuresBeforeTheChainRuns() {
		for (int i = 0; i < 10; i++) {
			MockServerWebExchange failed = run("203.0.113.9", answering(HttpStatus.UNAUTHORIZED));
			assertThat(failed.getResponse().getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
		}
		assertThat(this.chainCalls).hasValue(10);

		MockServerWebExchange refused = run("203.0.113.9", answering(HttpStatus.UNAUTHORIZED));

		assertThat(this.chainCalls).as("no verification work for a refused address").hasValue(10);
		assertThat(refused.getResponse().getStatusCode()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
		assertThat(refused.getResponse().getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(body(refused).path("reason").asString()).isEqualTo("too-many-failed-authentications");
		assertThat(body(refused).path("status").asInt()).isEqualTo(429);
		assertThat(refused.getResponse().getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("6");
		assertThat(this.meters.get("infosysta.gateway.ratelimit.decisions")
			.tag("scope", "failed-auth")
			.tag("outcome", "refused")
			.counter()
			.count()).isEqualTo(1);
	}

	/** Regression: taking a token per attempt refused busy addresses (an office behind one NAT) with 429. */
	@Test
	void neverRefusesAnAddressForHavingManyCallsInFlight() {
		java.util.List<reactor.core.Disposable> inFlight = new java.util.ArrayList<>();
		java.util.List<MockServerWebExchange> exchanges = new java.util.ArrayList<>();
		for (int i = 0; i < 50; i++) {
			MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/jira/acme/x"));
			exchange.getAttributes().put(RequestGuardFilter.CLIENT_ADDRESS_ATTRIBUTE, "198.51.100.7");
			exchanges.add(exchange);
			inFlight.add(this.guard.filter(exchange, pending -> {
				this.chainCalls.incrementAndGet();
				return reactor.core.publisher.Mono.never();
			}).subscribe());
		}

		assertThat(this.chainCalls).hasValue(50);
		assertThat(exchanges).allMatch(exchange -> exchange.getResponse().getStatusCode() == null);
		inFlight.forEach(reactor.core.Disposable::dispose);
	}

	@Test
	void letsTheAddressTryAgainOnceAFailureHasBeenForgiven() {
		for (int i = 0; i < 10; i++) {
			run("203.0.113.9", answering(HttpStatus.UNAUTHORIZED));
		}
		assertThat(status(run("203.0.113.9", answering(HttpStatus.OK)))).isEqualTo(429);

		this.now.addAndGet(5 * SECOND);
		MockServerWebExchange stillRefused = run("203.0.113.9", answering(HttpStatus.OK));
		assertThat(status(stillRefused)).isEqualTo(429);
		assertThat(stillRefused.getResponse().getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("1");

		this.now.addAndGet(SECOND);
		assertThat(status(run("203.0.113.9", answering(HttpStatus.OK)))).isEqualTo(200);
		assertThat(this.chainCalls).hasValue(11);
	}

	@Test
	void successfulAnswersDoNotCount() {
		for (int i = 0; i < 100; i++) {
			assertThat(status(run("203.0.113.9", answering(HttpStatus.OK)))).isEqualTo(200);
		}
		for (int i = 0; i < 100; i++) {
			assertThat(status(run("203.0.113.9", answering(HttpStatus.FORBIDDEN)))).isEqualTo(403);
		}

		assertThat(this.chainCalls).hasValue(200);
	}

	@Test
	void unknownTenantAnswersCountAsFailures() {
		WebFilterChain unknownTenant = exchange -> {
			this.chainCalls.incrementAndGet();
			return this.problems.write(exchange, ProblemType.UNKNOWN_TENANT, "No tenant is registered under this name.");
		};
		for (int i = 0; i < 10; i++) {
			assertThat(status(run("203.0.113.9", unknownTenant))).isEqualTo(404);
		}

		MockServerWebExchange refused = run("203.0.113.9", unknownTenant);

		assertThat(status(refused)).isEqualTo(429);
		assertThat(body(refused).path("reason").asString()).isEqualTo("too-many-failed-authentications");
		assertThat(this.chainCalls).hasValue(10);
	}

	@Test
	void unknownAppAnswersCountAsFailures() {
		WebFilterChain unknownApp = exchange -> this.problems.write(exchange, ProblemType.UNKNOWN_APP, "No such app.");
		for (int i = 0; i < 10; i++) {
			run("203.0.113.9", unknownApp);
		}

		assertThat(status(run("203.0.113.9", answering(HttpStatus.OK)))).isEqualTo(429);
	}

	@Test
	void otherNotFoundAnswersDoNotCount() {
		WebFilterChain unknownRoute = exchange -> this.problems.write(exchange, ProblemType.UNKNOWN_ROUTE,
				"No route.");
		for (int i = 0; i < 20; i++) {
			assertThat(status(run("203.0.113.9", unknownRoute))).isEqualTo(404);
		}
	}

	@Test
	void clientAddressesAreCountedIndependently() {
		for (int i = 0; i < 10; i++) {
			run("203.0.113.9", answering(HttpStatus.UNAUTHORIZED));
		}
		assertThat(status(run("203.0.113.9", answering(HttpStatus.UNAUTHORIZED)))).isEqualTo(429);

		for (int i = 0; i < 10; i++) {
			assertThat(status(run("198.51.100.4", answering(HttpStatus.UNAUTHORIZED)))).isEqualTo(401);
		}
		assertThat(status(run("198.51.100.4", answering(HttpStatus.UNAUTHORIZED)))).isEqualTo(429);
	}

	@Test
	void passesWhenTheClientAddressIsUnknown() {
		for (int i = 0; i < 50; i++) {
			assertThat(status(run(null, answering(HttpStatus.UNAUTHORIZED)))).isEqualTo(401);
		}

		assertThat(this.chainCalls).hasValue(50);
	}

	@Test
	void runsRightAfterTheRequestGuard() {
		assertThat(this.guard.getOrder()).isGreaterThan(RequestGuardFilter.ORDER);
	}

	private WebFilterChain answering(HttpStatusCode status) {
		return exchange -> {
			this.chainCalls.incrementAndGet();
			exchange.getResponse().setStatusCode(status);
			return exchange.getResponse().setComplete();
		};
	}

	private MockServerWebExchange run(String clientAddress, WebFilterChain chain) {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/jira/acme/rest/x"));
		if (clientAddress != null) {
			exchange.getAttributes().put(RequestGuardFilter.CLIENT_ADDRESS_ATTRIBUTE, clientAddress);
		}
		StepVerifier.create(this.guard.filter(exchange, chain)).verifyComplete();
		return exchange;
	}

	private static int status(MockServerWebExchange exchange) {
		return exchange.getResponse().getStatusCode().value();
	}

	private static JsonNode body(MockServerWebExchange exchange) {
		return JSON.readTree(exchange.getResponse().getBodyAsString().block());
	}

}
