package com.infosysta.gateway.guard;

import java.net.URI;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.WebFilterChain;

import com.infosysta.gateway.problem.ProblemResponseWriter;

import static org.assertj.core.api.Assertions.assertThat;

final class RequestGuardFilterTest {

	private static final ObjectMapper JSON = new ObjectMapper();

	private final RequestGuardFilter filter = new RequestGuardFilter(new ProblemResponseWriter());

	private final AtomicBoolean chainCalled = new AtomicBoolean();

	private final WebFilterChain chain = exchange -> {
		this.chainCalled.set(true);
		return Mono.empty();
	};

	@Test
	void refusesConnectWith405AndAllowHeader() {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.method(HttpMethod.valueOf("CONNECT"), "/jira/a/b"));

		StepVerifier.create(this.filter.filter(exchange, this.chain)).verifyComplete();

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.METHOD_NOT_ALLOWED);
		assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.ALLOW))
			.isEqualTo("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
		assertThat(exchange.getResponse().getHeaders().getContentType())
			.isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(body(exchange).path("reason").asString()).isEqualTo("method-not-allowed");
		assertThat(body(exchange).path("status").asInt()).isEqualTo(405);
		assertThat(this.chainCalled).isFalse();
	}

	@Test
	void refusesTraceWith405() {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.method(HttpMethod.TRACE, "/jira/a/b"));

		StepVerifier.create(this.filter.filter(exchange, this.chain)).verifyComplete();

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.METHOD_NOT_ALLOWED);
		assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.ALLOW)).isNotBlank();
		assertThat(this.chainCalled).isFalse();
	}

	@Test
	void refusesDotDotPathWith400MalformedPath() {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.method(HttpMethod.GET, URI.create("/jira/acme/../admin")));

		StepVerifier.create(this.filter.filter(exchange, this.chain)).verifyComplete();

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		JsonNode body = body(exchange);
		assertThat(body.path("reason").asString()).isEqualTo("malformed-path");
		assertThat(body.path("type").asString()).isEqualTo("https://gateway.infosysta.com/problems/malformed-path");
		assertThat(this.chainCalled).isFalse();
	}

	@Test
	void refusesEncodedSlashWith400() {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.method(HttpMethod.GET, URI.create("/jira/acme/a%2Fb")));

		StepVerifier.create(this.filter.filter(exchange, this.chain)).verifyComplete();

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(this.chainCalled).isFalse();
	}

	@ParameterizedTest
	@ValueSource(strings = { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS" })
	void passesAllowedMethodWithGoodPathToTheChain(String method) {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest
			.method(HttpMethod.valueOf(method), URI.create("/jira/acme/rest/api/3/issue/ABC-1?fields=summary")));

		StepVerifier.create(this.filter.filter(exchange, this.chain)).verifyComplete();

		assertThat(this.chainCalled).isTrue();
		assertThat(exchange.getResponse().getStatusCode()).isNull();
		assertThat(exchange.getResponse().isCommitted()).isFalse();
	}

	@Test
	void reusesSafeClientRequestIdOnPassedRequests() {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.get("/jira/acme/rest/x").header("X-Request-Id", "abc-123"));

		StepVerifier.create(this.filter.filter(exchange, this.chain)).verifyComplete();
		StepVerifier.create(exchange.getResponse().setComplete()).verifyComplete();

		assertThat(this.chainCalled).isTrue();
		assertThat(exchange.<String>getAttribute(ProblemResponseWriter.REQUEST_ID_ATTRIBUTE)).isEqualTo("abc-123");
		assertThat(exchange.getResponse().getHeaders().getFirst("X-Request-Id")).isEqualTo("abc-123");
	}

	@Test
	void reusesSafeClientRequestIdInProblemInstance() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest
			.method(HttpMethod.TRACE, "/jira/acme/rest/x")
			.header("X-Request-Id", "abc-123"));

		StepVerifier.create(this.filter.filter(exchange, this.chain)).verifyComplete();

		assertThat(exchange.getResponse().getHeaders().getFirst("X-Request-Id")).isEqualTo("abc-123");
		assertThat(body(exchange).path("instance").asString()).isEqualTo("urn:request:abc-123");
	}

	@ParameterizedTest
	@ValueSource(strings = { "a b", "<x>", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "a\"b",
			"id/../x", "" })
	void replacesUnsafeClientRequestIdWithRandomOne(String offered) {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.method(HttpMethod.valueOf("CONNECT"), "/jira/a/b")
				.header("X-Request-Id", offered));

		StepVerifier.create(this.filter.filter(exchange, this.chain)).verifyComplete();

		String id = exchange.getResponse().getHeaders().getFirst("X-Request-Id");
		assertThat(id).matches("[0-9a-f]{32}").isNotEqualTo(offered);
		assertThat(body(exchange).path("instance").asString()).isEqualTo("urn:request:" + id);
	}

	@Test
	void acceptsRequestIdOfExactly64SafeCharacters() {
		String offered = "A".repeat(64);
		assertThat(RequestGuardFilter.requestId(offered)).isEqualTo(offered);
		assertThat(RequestGuardFilter.requestId(offered + "A")).matches("[0-9a-f]{32}");
	}

	@Test
	void generatesAFreshIdPerRequestWhenClientSendsNone() {
		String first = RequestGuardFilter.requestId(null);
		String second = RequestGuardFilter.requestId(null);
		assertThat(first).matches("[0-9a-f]{32}");
		assertThat(second).matches("[0-9a-f]{32}").isNotEqualTo(first);
	}

	@ParameterizedTest
	@ValueSource(strings = { "Authorization", "close, authorization", "Content-Length", "HOST", "Content-Type",
			"keep-alive, Content-Encoding" })
	void refusesAConnectionOptionNamingAnEndToEndFieldWith400(String connection) {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/jira/acme/x")
			.header(HttpHeaders.AUTHORIZATION, "Basic dTpw")
			.header(HttpHeaders.CONNECTION, connection));

		StepVerifier.create(this.filter.filter(exchange, this.chain)).verifyComplete();

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(body(exchange).path("reason").asString()).isEqualTo("malformed-request");
		assertThat(this.chainCalled).isFalse();
	}

	@ParameterizedTest
	@ValueSource(strings = { "close", "keep-alive", "TE", "X-Foo, close", "Upgrade" })
	void passesHopByHopConnectionOptions(String connection) {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.get("/jira/acme/x").header(HttpHeaders.CONNECTION, connection));

		StepVerifier.create(this.filter.filter(exchange, this.chain)).verifyComplete();

		assertThat(this.chainCalled).isTrue();
	}

	@Test
	void refusesTwoHostFieldsWith400() {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.get("/jira/acme/x").header(HttpHeaders.HOST, "a.example", "b.example"));

		StepVerifier.create(this.filter.filter(exchange, this.chain)).verifyComplete();

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(this.chainCalled).isFalse();
	}

	private static JsonNode body(MockServerWebExchange exchange) {
		String body = exchange.getResponse().getBodyAsString().block();
		assertThat(body).isNotNull();
		return JSON.readTree(body);
	}

}
