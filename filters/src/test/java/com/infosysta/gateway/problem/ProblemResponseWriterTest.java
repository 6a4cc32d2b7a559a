package com.infosysta.gateway.problem;

import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;

final class ProblemResponseWriterTest {

	private static final ObjectMapper JSON = new ObjectMapper();

	@Test
	void keepsBodyValidJsonForDetailWithQuotesBackslashesAndControlCharacters() {
		String detail = "a \"quoted\" \\ path\nnext\tline\r\u0001end";

		JsonNode body = JSON.readTree(ProblemResponseWriter.json(ProblemType.MALFORMED_REQUEST, detail, "id-1"));

		assertThat(body.path("detail").asString()).isEqualTo(detail);
		assertThat(body.path("instance").asString()).isEqualTo("urn:request:id-1");
	}

	@Test
	void leavesOutInstanceWithoutRequestId() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/x"));

		StepVerifier.create(new ProblemResponseWriter().write(exchange, ProblemType.UNKNOWN_ROUTE, "No route."))
			.verifyComplete();

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
		JsonNode body = JSON.readTree(exchange.getResponse().getBodyAsString().block());
		assertThat(body.propertyNames()).containsExactlyInAnyOrder("type", "title", "status", "detail", "reason");
	}

	@Test
	void givesEveryProblemTypeAStableTypeUri() {
		for (ProblemType type : ProblemType.values()) {
			assertThat(type.type()).hasToString(ProblemType.TYPE_BASE + type.reason());
			assertThat(type.reason()).matches("[a-z]+(-[a-z]+)*");
		}
	}

}
