package com.infosysta.gateway.problem;

import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.timeout.ReadTimeoutException;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ResponseStatusException;

import com.infosysta.gateway.upstream.UpstreamFailureClassifier;

import static org.assertj.core.api.Assertions.assertThat;

final class ProblemExceptionHandlerTest {

	private static final ObjectMapper JSON = new ObjectMapper();

	private final ProblemExceptionHandler handler = new ProblemExceptionHandler(new ProblemResponseWriter(),
			List.of(new UpstreamFailureClassifier()));

	@Test
	void answersGatewayProblemWithItsStatusReasonAndDetail() {
		MockServerWebExchange exchange = exchange();

		handle(exchange, new GatewayProblemException(ProblemType.TENANT_DISABLED, "This tenant is disabled."));

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
		JsonNode body = body(exchange);
		assertThat(body.path("reason").asString()).isEqualTo("tenant-disabled");
		assertThat(body.path("detail").asString()).isEqualTo("This tenant is disabled.");
	}

	@Test
	void answersNotFoundStatusAsUnknownRoute() {
		assertProblem(new ResponseStatusException(HttpStatus.NOT_FOUND), HttpStatus.NOT_FOUND, "unknown-route");
	}

	@Test
	void answersGatewayTimeoutStatusAsUpstreamTimeout() {
		assertProblem(new ResponseStatusException(HttpStatus.GATEWAY_TIMEOUT), HttpStatus.GATEWAY_TIMEOUT,
				"upstream-timeout");
	}

	@Test
	void answersRefusedConnectionWith502() {
		assertProblem(new ConnectException("Connection refused"), HttpStatus.BAD_GATEWAY, "upstream-unavailable");
	}

	@Test
	void answersReadTimeoutWith504() {
		assertProblem(ReadTimeoutException.INSTANCE, HttpStatus.GATEWAY_TIMEOUT, "upstream-timeout");
	}

	@Test
	void answersConnectTimeoutWith504NotAsRefusedConnection() {
		// Netty's ConnectTimeoutException is a ConnectException too; the timeout must win.
		assertProblem(new ConnectTimeoutException("x"), HttpStatus.GATEWAY_TIMEOUT, "upstream-timeout");
	}

	@Test
	void classifiesByTheCauseChain() {
		assertProblem(new RuntimeException("wrapper", new ConnectException("Connection refused")),
				HttpStatus.BAD_GATEWAY, "upstream-unavailable");
	}

	@Test
	void answersUnknownFailureWith500WithoutDetailsOfIt() {
		MockServerWebExchange exchange = exchange();

		handle(exchange, new IllegalStateException("secret internals: token=abc"));

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
		JsonNode body = body(exchange);
		assertThat(body.path("reason").asString()).isEqualTo("internal-error");
		assertThat(body.toString()).doesNotContain("secret internals").doesNotContain("token=abc");
	}

	@Test
	void writesCompleteProblemJson() {
		MockServerWebExchange exchange = exchange();

		handle(exchange, new ConnectException("Connection refused"));

		assertThat(exchange.getResponse().getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		JsonNode body = body(exchange);
		assertThat(body.propertyNames()).containsExactlyInAnyOrder("type", "title", "status", "detail", "instance",
				"reason");
		assertThat(body.path("type").asString())
			.isEqualTo("https://gateway.infosysta.com/problems/upstream-unavailable");
		assertThat(body.path("title").asString()).isEqualTo("Upstream unavailable");
		assertThat(body.path("status").isNumber()).isTrue();
		assertThat(body.path("status").asInt()).isEqualTo(502);
		assertThat(body.path("detail").asString()).isNotBlank();
		assertThat(body.path("instance").asString()).isEqualTo("urn:request:req-42");
		String raw = exchange.getResponse().getBodyAsString().block();
		assertThat(exchange.getResponse().getHeaders().getContentLength())
			.isEqualTo(raw.getBytes(StandardCharsets.UTF_8).length);
	}

	@Test
	void dropsHeadersAnUpstreamResponseAlreadySetBeforeAnsweringAFailure() {
		MockServerWebExchange exchange = exchange();
		exchange.getResponse().getHeaders().set("X-Upstream", "yes");

		handle(exchange, new ConnectException("reset"));

		assertThat(exchange.getResponse().getHeaders().containsHeader("X-Upstream")).isFalse();
	}

	@Test
	void passesFailureOnWhenResponseIsCommitted() {
		MockServerWebExchange exchange = exchange();
		StepVerifier.create(exchange.getResponse().setComplete()).verifyComplete();
		IllegalStateException failure = new IllegalStateException("stream broke");

		StepVerifier.create(this.handler.handle(exchange, failure)).expectErrorMatches(error -> error == failure)
			.verify();

		assertThat(exchange.getResponse().getBodyAsString().block()).isEmpty();
		assertThat(exchange.getResponse().getHeaders().getContentType()).isNull();
	}

	@Test
	void aClientThatWentAwayMidAnswerIsNoWarningButAnyOtherCommittedFailureIs() {
		ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
			.getLogger(ProblemExceptionHandler.class);
		ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> events =
				new ch.qos.logback.core.read.ListAppender<>();
		events.start();
		logger.addAppender(events);
		try {
			for (Throwable failure : List.of(new reactor.netty.channel.AbortedException("Connection has been closed"),
					new IllegalStateException("wrapped", new java.nio.channels.ClosedChannelException()),
					new IllegalStateException("stream broke"))) {
				MockServerWebExchange exchange = exchange();
				StepVerifier.create(exchange.getResponse().setComplete()).verifyComplete();
				StepVerifier.create(this.handler.handle(exchange, failure)).expectErrorMatches(e -> e == failure)
					.verify();
			}
		}
		finally {
			logger.detachAppender(events);
		}
		assertThat(events.list).filteredOn(event -> event.getLevel() == ch.qos.logback.classic.Level.WARN)
			.singleElement()
			.satisfies(event -> assertThat(event.getFormattedMessage()).contains("IllegalStateException"));
	}

	private void assertProblem(Throwable failure, HttpStatus status, String reason) {
		MockServerWebExchange exchange = exchange();

		handle(exchange, failure);

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(status);
		JsonNode body = body(exchange);
		assertThat(body.path("reason").asString()).isEqualTo(reason);
		assertThat(body.path("status").asInt()).isEqualTo(status.value());
	}

	private void handle(MockServerWebExchange exchange, Throwable failure) {
		StepVerifier.create(this.handler.handle(exchange, failure)).verifyComplete();
	}

	private static MockServerWebExchange exchange() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/jira/acme/rest/x"));
		exchange.getAttributes().put(ProblemResponseWriter.REQUEST_ID_ATTRIBUTE, "req-42");
		return exchange;
	}

	private static JsonNode body(MockServerWebExchange exchange) {
		String body = exchange.getResponse().getBodyAsString().block();
		assertThat(body).isNotNull();
		return JSON.readTree(body);
	}

}
