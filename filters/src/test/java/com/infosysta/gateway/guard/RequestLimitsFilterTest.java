package com.infosysta.gateway.guard;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.util.unit.DataSize;
import org.springframework.web.server.WebFilterChain;

import com.infosysta.gateway.problem.ProblemResponseWriter;

import static org.assertj.core.api.Assertions.assertThat;

final class RequestLimitsFilterTest {

	private static final ObjectMapper JSON = new ObjectMapper();

	private final RequestLimitsFilter filter = new RequestLimitsFilter(
			new LimitsProperties(DataSize.ofBytes(1000),
					Map.of("apps", new LimitsProperties.RouteLimits(DataSize.ofBytes(100))), 10,
					Duration.ofSeconds(10), Duration.ofSeconds(60), 100, 100),
			Map.of("jira", "/jira/", "apps", "/apps/"), new ProblemResponseWriter());

	private final AtomicBoolean chainCalled = new AtomicBoolean();

	private final AtomicLong bytesRead = new AtomicLong();

	/** Stands for the upstream call: reads the whole body as the proxy would, keeping nothing. */
	private final WebFilterChain readsTheBody = exchange -> {
		this.chainCalled.set(true);
		return exchange.getRequest().getBody().doOnNext(buffer -> {
			this.bytesRead.addAndGet(buffer.readableByteCount());
			DataBufferUtils.release(buffer);
		}).then();
	};

	@Test
	void refusesADeclaredLengthOverTheRoutesCapBeforeTheChainWith413AndClose() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.post("/apps/outlook/x")
			.contentLength(101)
			.body(chunks(101)));

		StepVerifier.create(this.filter.filter(exchange, this.readsTheBody)).verifyComplete();

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.CONTENT_TOO_LARGE);
		assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.CONNECTION)).isEqualTo("close");
		assertThat(body(exchange).path("reason").asString()).isEqualTo("body-too-large");
		assertThat(this.chainCalled).isFalse();
	}

	@Test
	void passesADeclaredLengthAtTheCap() {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.post("/jira/acme/x").contentLength(1000).body(chunks(1000)));

		StepVerifier.create(this.filter.filter(exchange, this.readsTheBody)).verifyComplete();

		assertThat(this.chainCalled).isTrue();
		assertThat(this.bytesRead).hasValue(1000);
		assertThat(exchange.getResponse().getStatusCode()).isNull();
	}

	@Test
	void passesAnUndeclaredBodyAtTheCapWhole() {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.post("/apps/outlook/x").body(chunks(100)));

		StepVerifier.create(this.filter.filter(exchange, this.readsTheBody)).verifyComplete();

		assertThat(this.bytesRead).hasValue(100);
		assertThat(exchange.getResponse().getStatusCode()).isNull();
	}

	@Test
	void cutsAnUndeclaredBodyAtTheBufferThatCrossesTheCapAndAnswers413() {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.post("/jira/acme/x").body(chunks(5000)));

		StepVerifier.create(this.filter.filter(exchange, this.readsTheBody)).verifyComplete();

		assertThat(this.chainCalled).isTrue();
		// 30-byte buffers: 33 of them (990 bytes) pass, the 34th crosses 1000 and fails the body.
		assertThat(this.bytesRead).hasValue(990);
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.CONTENT_TOO_LARGE);
		assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.CONNECTION)).isEqualTo("close");
		assertThat(body(exchange).path("reason").asString()).isEqualTo("body-too-large");
	}

	@Test
	void passesTheOverflowOnOnceTheAnswerHasStarted() {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.post("/jira/acme/x").body(chunks(5000)));
		WebFilterChain answersFirst = ex -> ex.getResponse().setComplete().then(this.readsTheBody.filter(ex));

		StepVerifier.create(this.filter.filter(exchange, answersFirst))
			.expectErrorSatisfies(failure -> assertThat(failure).hasMessageContaining("larger than this route"))
			.verify();
	}

	@Test
	void refusesMoreHeaderFieldsThanAllowedWith431() {
		MockServerHttpRequest.BaseBuilder<?> request = MockServerHttpRequest.get("/jira/acme/x");
		for (int i = 0; i < 6; i++) {
			request.header("X-Field-" + i, "a", "b");
		}
		MockServerWebExchange exchange = MockServerWebExchange.from(request);

		StepVerifier.create(this.filter.filter(exchange, this.readsTheBody)).verifyComplete();

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE);
		assertThat(body(exchange).path("reason").asString()).isEqualTo("headers-too-large");
		assertThat(this.chainCalled).isFalse();
	}

	@Test
	void passesTheMostHeaderFieldsAllowed() {
		MockServerHttpRequest.BaseBuilder<?> request = MockServerHttpRequest.get("/jira/acme/x");
		for (int i = 0; i < 5; i++) {
			request.header("X-Field-" + i, "a", "b");
		}

		StepVerifier.create(this.filter.filter(MockServerWebExchange.from(request), this.readsTheBody))
			.verifyComplete();

		assertThat(this.chainCalled).isTrue();
	}

	@Test
	void picksTheCapByRoutePrefix() {
		assertThat(this.filter.maxBodySize("/apps/outlook/installed")).isEqualTo(100);
		assertThat(this.filter.maxBodySize("/jira/acme/rest")).isEqualTo(1000);
		assertThat(this.filter.maxBodySize("/appsx/y")).isEqualTo(1000);
	}

	/** A body of {@code size} bytes in 30-byte buffers, made on demand. */
	private static Flux<DataBuffer> chunks(int size) {
		return Flux.range(0, (size + 29) / 30)
			.map(i -> DefaultDataBufferFactory.sharedInstance.wrap(new byte[Math.min(30, size - i * 30)]));
	}

	private static JsonNode body(MockServerWebExchange exchange) {
		String body = exchange.getResponse().getBodyAsString().block(Duration.ofSeconds(5));
		assertThat(body).isNotNull();
		return JSON.readTree(body);
	}

}
