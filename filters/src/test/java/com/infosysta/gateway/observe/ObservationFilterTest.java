package com.infosysta.gateway.observe;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.support.Netty4HeadersAdapter;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilterChain;

import com.infosysta.gateway.problem.GatewayProblemException;
import com.infosysta.gateway.problem.ProblemExceptionHandler;
import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.problem.ProblemType;
import com.infosysta.gateway.tenant.Tenant;
import com.infosysta.gateway.tenant.TenantResolutionFilter;
import com.infosysta.gateway.upstream.UpstreamHeaders;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The filter driven like the gateway drives it: a chain that resolves the tenant, calls the upstream through the
 * real upstream header filters (which mark the upstream's start and answer) and streams an answer, or fails with
 * a problem the real problem handler answers.
 */
final class ObservationFilterTest {

	private static final String CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

	private static final String CLIENT_SPAN = "00f067aa0ba902b7";

	private static final String CLIENT_TRACEPARENT = "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01";

	/** Planted in the path, the query, the headers and the body; none may reach the access log. */
	private static final List<String> CANARIES = List.of("PATHCANARY", "QUERYCANARY", "TOKENCANARY", "COOKIECANARY",
			"HEADERCANARY", "BODYCANARY", "/jira/acme/rest", "jql=", "rojo=");

	private static final Set<String> ACCESS_KEYS = Set.of("request_id", "trace_id", "route", "tenant", "method",
			"status", "outcome", "duration_ms", "upstream_ms", "bytes_in", "bytes_out", "reason");

	private static final Tenant ACME = TenantTagsTest.tenant("acme");

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final ProblemResponseWriter writer = new ProblemResponseWriter();

	private final ProblemExceptionHandler problems = new ProblemExceptionHandler(this.writer, List.of());

	private final RecordingSpanExporter exporter = new RecordingSpanExporter();

	private final ListAppender<ILoggingEvent> accessLog = new ListAppender<>();

	private final Logger accessLogger = (Logger) LoggerFactory.getLogger("infosysta.access");

	private Level accessLevel;

	private Tracing tracing = Tracing.contextOnly(1.0);

	/** The headers the upstream would have received. */
	private HttpHeaders sentUpstream;

	@BeforeEach
	void captureAccessLog() {
		this.accessLevel = this.accessLogger.getLevel();
		this.accessLogger.setLevel(Level.INFO);
		this.accessLog.start();
		this.accessLogger.addAppender(this.accessLog);
	}

	@AfterEach
	void releaseAccessLogAndTracing() {
		this.accessLogger.detachAppender(this.accessLog);
		this.accessLogger.setLevel(this.accessLevel);
		this.tracing.close();
	}

	@Test
	void proxiedCallIsMeteredLoggedAndCounted() {
		MockServerWebExchange exchange = exchange(planted("BODYCANARY"));
		WebFilterChain chain = proxy(HttpStatus.CREATED, "first part, ", "second part");

		StepVerifier.create(filter(true).filter(exchange, chain)).verifyComplete();

		assertThat(exchange.getResponse().getBodyAsString().block(Duration.ofSeconds(5)))
			.isEqualTo("first part, second part");
		assertThat(meters("infosysta.gateway.requests")).containsExactly(
				Map.of("route", "jira", "tenant", "acme", "method", "POST", "status", "2xx"));
		assertThat(meters("infosysta.gateway.upstream")).containsExactly(
				Map.of("route", "jira", "tenant", "acme", "status", "2xx"));
		assertThat(meters("infosysta.gateway.overhead")).containsExactly(Map.of("route", "jira", "tenant", "acme"));
		assertThat(meters("infosysta.gateway.problems")).isEmpty();
		assertThat(this.registry.get("infosysta.gateway.requests").timer().count()).isEqualTo(1);

		Map<String, Object> line = accessLine();
		TraceContext trace = CallTimings.trace(exchange);
		assertThat(line).containsEntry("request_id", "req-1")
			.containsEntry("trace_id", trace.traceId())
			.containsEntry("route", "jira")
			.containsEntry("tenant", "acme")
			.containsEntry("method", "POST")
			.containsEntry("status", 201)
			.containsEntry("outcome", "completed")
			.containsEntry("bytes_in", (long) "BODYCANARY".length())
			.containsEntry("bytes_out", (long) "first part, second part".length())
			.containsEntry("reason", null);
		assertThat((double) line.get("duration_ms")).isGreaterThanOrEqualTo(0);
		assertThat((double) line.get("upstream_ms")).isBetween(0.0, (double) line.get("duration_ms"));
		assertAccessLogHoldsNothingOfTheRequest();
	}

	@Test
	void problemThrownInChainIsAnsweredByProblemHandlerAndCountedWithItsReason() {
		MockServerWebExchange exchange = exchange(planted("BODYCANARY"));
		WebFilterChain chain = identified(tenanted -> Mono.error(
				new GatewayProblemException(ProblemType.RATE_LIMITED, "Too many calls for this tenant.")));

		StepVerifier.create(filter(true).filter(exchange, chain)).verifyComplete();

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
		String body = exchange.getResponse().getBodyAsString().block(Duration.ofSeconds(5));
		assertThat(body).contains("\"reason\":\"rate-limited\"");
		assertThat(meters("infosysta.gateway.requests")).containsExactly(
				Map.of("route", "jira", "tenant", "acme", "method", "POST", "status", "4xx"));
		assertThat(meters("infosysta.gateway.problems")).containsExactly(
				Map.of("route", "jira", "tenant", "acme", "reason", "rate-limited", "status", "429"));
		assertThat(meters("infosysta.gateway.upstream")).isEmpty();
		assertThat(meters("infosysta.gateway.overhead")).isEmpty();

		Map<String, Object> line = accessLine();
		assertThat(line).containsEntry("status", 429)
			.containsEntry("reason", "rate-limited")
			.containsEntry("outcome", "completed")
			.containsEntry("upstream_ms", null)
			.containsEntry("bytes_in", 0L)
			.containsEntry("bytes_out", (long) body.getBytes(StandardCharsets.UTF_8).length);
		assertAccessLogHoldsNothingOfTheRequest();
	}

	@Test
	void problemWrittenByAnEarlyFilterIsCountedWithoutTenant() {
		MockServerWebExchange exchange = exchange(planted("BODYCANARY"));
		WebFilterChain chain = tenantless -> {
			tenantless.getAttributes().put(ProblemResponseWriter.REQUEST_ID_ATTRIBUTE, "req-2");
			return this.writer.write(tenantless, ProblemType.MALFORMED_PATH, "The path is not allowed.");
		};

		StepVerifier.create(filter(true).filter(exchange, chain)).verifyComplete();

		assertThat(meters("infosysta.gateway.requests")).containsExactly(
				Map.of("route", "jira", "tenant", "none", "method", "POST", "status", "4xx"));
		assertThat(meters("infosysta.gateway.problems")).containsExactly(
				Map.of("route", "jira", "tenant", "none", "reason", "malformed-path", "status", "400"));
		assertThat(accessLine()).containsEntry("tenant", "none")
			.containsEntry("request_id", "req-2")
			.containsEntry("reason", "malformed-path")
			.containsEntry("status", 400);
		assertAccessLogHoldsNothingOfTheRequest();
	}

	@Test
	void unclassifiedFailureIsCountedAsInternalError() {
		MockServerWebExchange exchange = exchange(planted("BODYCANARY"));
		WebFilterChain chain = identified(tenanted -> Mono.error(new IllegalStateException("PATHCANARY")));

		StepVerifier.create(filter(true).filter(exchange, chain)).verifyComplete();

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
		assertThat(meters("infosysta.gateway.problems")).containsExactly(
				Map.of("route", "jira", "tenant", "acme", "reason", "internal-error", "status", "500"));
		assertThat(accessLine()).containsEntry("status", 500).containsEntry("reason", "internal-error");
		assertAccessLogHoldsNothingOfTheRequest();
	}

	@Test
	void noUpstreamOrOverheadWhenUpstreamWasNeverCalled() {
		MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("/apps/outlook-to-jira/jira/x"));
		WebFilterChain chain = identified(tenanted -> answer(tenanted, HttpStatus.OK, "local"));

		StepVerifier.create(filter(true).filter(exchange, chain)).verifyComplete();

		assertThat(meters("infosysta.gateway.requests")).containsExactly(
				Map.of("route", "apps", "tenant", "acme", "method", "GET", "status", "2xx"));
		assertThat(meters("infosysta.gateway.upstream")).isEmpty();
		assertThat(meters("infosysta.gateway.overhead")).isEmpty();
		assertThat(accessLine()).containsEntry("upstream_ms", null).containsEntry("bytes_out", 5L);
	}

	@Test
	void upstreamThatNeverAnsweredIsErrorWithoutOverhead() {
		MockServerWebExchange exchange = exchange(planted("BODYCANARY"));
		WebFilterChain chain = identified(tenanted -> {
			callUpstream(tenanted);
			return Mono.error(new GatewayProblemException(ProblemType.UPSTREAM_UNAVAILABLE, "Refused."));
		});

		StepVerifier.create(filter(true).filter(exchange, chain)).verifyComplete();

		assertThat(meters("infosysta.gateway.upstream")).containsExactly(
				Map.of("route", "jira", "tenant", "acme", "status", "error"));
		assertThat(meters("infosysta.gateway.overhead")).isEmpty();
		assertThat(meters("infosysta.gateway.problems")).containsExactly(
				Map.of("route", "jira", "tenant", "acme", "reason", "upstream-unavailable", "status", "502"));
		Map<String, Object> line = accessLine();
		assertThat(line).containsEntry("status", 502).containsEntry("reason", "upstream-unavailable");
		assertThat(line.get("upstream_ms")).isInstanceOf(Double.class);
	}

	@Test
	void clientThatGoesAwayBeforeItsAnswerIsRecordedAs499ClientClosed() {
		MockServerWebExchange exchange = exchange(planted("BODYCANARY"));
		WebFilterChain chain = identified(tenanted -> {
			callUpstream(tenanted);
			return Mono.never();
		});

		// Subscribing runs the chain up to its wait for the upstream; disposing is what the server does when the
		// client closes the connection.
		Disposable call = filter(true).filter(exchange, chain).subscribe();
		assertThat(this.accessLog.list).as("nothing is logged before the call ends").isEmpty();
		call.dispose();

		assertThat(meters("infosysta.gateway.requests")).containsExactly(
				Map.of("route", "jira", "tenant", "acme", "method", "POST", "status", "4xx"));
		assertThat(meters("infosysta.gateway.upstream")).containsExactly(
				Map.of("route", "jira", "tenant", "acme", "status", "error"));
		assertThat(meters("infosysta.gateway.problems")).isEmpty();
		assertThat(accessLine()).containsEntry("status", 499)
			.containsEntry("outcome", "client-closed")
			.containsEntry("reason", null);
	}

	@Test
	void clientThatGoesAwayDuringTheBodyKeepsTheStatusItWasSent() {
		MockServerWebExchange exchange = exchange(planted("BODYCANARY"));
		WebFilterChain chain = identified(tenanted -> {
			callUpstream(tenanted);
			upstreamAnswers(tenanted);
			DataBuffer first = tenanted.getResponse().bufferFactory().wrap(bytes("partial"));
			return tenanted.getResponse().writeWith(Flux.just(first).concatWith(Flux.never()));
		});

		Disposable call = filter(true).filter(exchange, chain).subscribe();
		assertThat(exchange.getResponse().isCommitted()).as("headers and the first part went out").isTrue();
		call.dispose();

		assertThat(accessLine()).containsEntry("status", 200)
			.containsEntry("outcome", "client-closed")
			.containsEntry("bytes_out", 7L);
		assertThat(meters("infosysta.gateway.requests")).containsExactly(
				Map.of("route", "jira", "tenant", "acme", "method", "POST", "status", "2xx"));
		assertThat(meters("infosysta.gateway.overhead")).hasSize(1);
	}

	@Test
	void answerCutAfterItsHeadersIsLoggedAsCut() {
		MockServerWebExchange exchange = exchange(planted("BODYCANARY"));
		WebFilterChain chain = identified(tenanted -> {
			callUpstream(tenanted);
			upstreamAnswers(tenanted);
			DataBuffer first = tenanted.getResponse().bufferFactory().wrap(bytes("partial"));
			return tenanted.getResponse()
				.writeWith(Flux.just(first).concatWith(Mono.error(new IllegalStateException("reset"))));
		});

		StepVerifier.create(filter(true).filter(exchange, chain))
			.expectError(IllegalStateException.class)
			.verify(Duration.ofSeconds(5));

		assertThat(accessLine()).containsEntry("status", 200)
			.containsEntry("outcome", "cut")
			.containsEntry("bytes_out", 7L);
		assertThat(meters("infosysta.gateway.problems")).isEmpty();
	}

	@Test
	void upstreamReceivesGatewaySpanOfClientsTraceInsteadOfClientsTraceparent() {
		this.tracing = Tracing.exporting(1.0, this.exporter, "svc");
		MockServerWebExchange exchange = exchange(planted("BODYCANARY"));

		StepVerifier.create(filter(true).filter(exchange, proxy(HttpStatus.OK, "ok"))).verifyComplete();
		this.tracing.close();

		TraceContext trace = CallTimings.trace(exchange);
		assertThat(trace.traceId()).isEqualTo(CLIENT_TRACE);
		assertThat(trace.parentSpanId()).isEqualTo(CLIENT_SPAN);
		assertThat(this.sentUpstream.get(TraceContext.TRACEPARENT))
			.containsExactly("00-" + CLIENT_TRACE + "-" + trace.spanId() + "-01");
		assertThat(this.sentUpstream.get(TraceContext.TRACESTATE)).containsExactly("rojo=00f067aa0ba902b7");
		assertThat(this.sentUpstream.getFirst("X-Request-Id")).isEqualTo("req-1");
		assertThat(this.sentUpstream.containsHeader(HttpHeaders.COOKIE)).isFalse();
		assertThat(accessLine()).containsEntry("trace_id", CLIENT_TRACE);

		assertThat(this.exporter.spans()).hasSize(1);
		SpanData span = this.exporter.spans().get(0);
		assertThat(span.getSpanId()).isEqualTo(trace.spanId());
		assertThat(span.getParentSpanId()).isEqualTo(CLIENT_SPAN);
		assertThat(span.getName()).isEqualTo("POST jira");
		assertThat(span.getAttributes().asMap().values()).map(String::valueOf)
			.noneMatch(value -> CANARIES.stream().anyMatch(value::contains));
	}

	@Test
	void malformedClientTraceparentIsReplacedByTheGatewaysOwnTrace() {
		MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("/jira/acme/rest/api/2/myself")
			.header(TraceContext.TRACEPARENT, "00-" + CLIENT_TRACE.toUpperCase() + "-" + CLIENT_SPAN + "-01")
			.header(TraceContext.TRACESTATE, "rojo=1"));

		StepVerifier.create(filter(true).filter(exchange, proxy(HttpStatus.OK, "ok"))).verifyComplete();

		TraceContext trace = CallTimings.trace(exchange);
		assertThat(trace.traceId()).isNotEqualToIgnoringCase(CLIENT_TRACE);
		assertThat(this.sentUpstream.get(TraceContext.TRACEPARENT)).containsExactly(trace.traceparent());
		assertThat(this.sentUpstream.containsHeader(TraceContext.TRACESTATE)).isFalse();
		assertThat(accessLine()).containsEntry("trace_id", trace.traceId());
	}

	@Test
	void disabledAccessLogStillRecordsMeters() {
		MockServerWebExchange exchange = exchange(planted("BODYCANARY"));

		StepVerifier.create(filter(false).filter(exchange, proxy(HttpStatus.OK, "ok"))).verifyComplete();

		assertThat(this.accessLog.list).isEmpty();
		assertThat(meters("infosysta.gateway.requests")).hasSize(1);
	}

	private ObservationFilter filter(boolean accessLogEnabled) {
		return new ObservationFilter(new RequestMetrics(this.registry), new TenantTags(100, Set.of(), () -> 1),
				this.tracing, this.problems, accessLogEnabled, Clock.systemUTC());
	}

	private static MockServerWebExchange exchange(MockServerHttpRequest request) {
		return MockServerWebExchange.from(request);
	}

	private static MockServerWebExchange exchange(MockServerHttpRequest.BaseBuilder<?> request) {
		return MockServerWebExchange.from(request);
	}

	/** A call with something private in every part: path, query, headers, body. */
	private static MockServerHttpRequest planted(String body) {
		return MockServerHttpRequest.post("/jira/acme/rest/api/2/issue/PATHCANARY?jql=QUERYCANARY")
			.header(HttpHeaders.AUTHORIZATION, "Bearer TOKENCANARY")
			.header(HttpHeaders.COOKIE, "session=COOKIECANARY")
			.header("X-Canary", "HEADERCANARY")
			.header(HttpHeaders.USER_AGENT, "HEADERCANARY-agent")
			.header(TraceContext.TRACEPARENT, CLIENT_TRACEPARENT)
			.header(TraceContext.TRACESTATE, "rojo=00f067aa0ba902b7")
			.header(HttpHeaders.CONTENT_LENGTH, Integer.toString(body.length()))
			.body(body);
	}

	/** The chain as the guard and tenant resolution leave it, then {@code next}. */
	private static WebFilterChain identified(WebFilterChain next) {
		return exchange -> Mono.defer(() -> {
			exchange.getAttributes().put(ProblemResponseWriter.REQUEST_ID_ATTRIBUTE, "req-1");
			exchange.getAttributes().put(TenantResolutionFilter.TENANT_ATTRIBUTE, ACME);
			return next.filter(exchange);
		});
	}

	/** Streams the request body to the "upstream", which answers with {@code status} and {@code parts}. */
	private WebFilterChain proxy(HttpStatus status, String... parts) {
		return identified(exchange -> exchange.getRequest().getBody()
			.doOnNext(DataBufferUtils::release)
			.then(Mono.defer(() -> {
				callUpstream(exchange);
				upstreamAnswers(exchange);
				return answer(exchange, status, parts);
			})));
	}

	/** What the routing filter does before it connects: the real request header filter builds the headers. */
	private void callUpstream(ServerWebExchange exchange) {
		DefaultHttpHeaders sent = new DefaultHttpHeaders();
		UpstreamHeaders.forUpstream(exchange.getRequest().getHeaders(), exchange, sent);
		this.sentUpstream = new HttpHeaders(new Netty4HeadersAdapter(sent));
	}

	/** What the routing filter does when the upstream's headers arrive. */
	private static void upstreamAnswers(ServerWebExchange exchange) {
		UpstreamHeaders.toClient(new DefaultHttpHeaders(), new HttpHeaders(), exchange);
	}

	private static Mono<Void> answer(ServerWebExchange exchange, HttpStatus status, String... parts) {
		exchange.getResponse().setStatusCode(status);
		List<DataBuffer> buffers = new ArrayList<>();
		for (String part : parts) {
			buffers.add(exchange.getResponse().bufferFactory().wrap(bytes(part)));
		}
		return exchange.getResponse().writeWith(Flux.fromIterable(buffers));
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	/** The tags of every meter of that name. */
	private List<Map<String, String>> meters(String name) {
		return this.registry.getMeters().stream()
			.map(Meter::getId)
			.filter(id -> id.getName().equals(name))
			.map(id -> id.getTags().stream().collect(Collectors.toMap(Tag::getKey, Tag::getValue)))
			.toList();
	}

	/** The one access-log line's key-value pairs. */
	private Map<String, Object> accessLine() {
		assertThat(this.accessLog.list).hasSize(1);
		ILoggingEvent event = this.accessLog.list.get(0);
		assertThat(event.getLevel()).isEqualTo(Level.INFO);
		assertThat(event.getLoggerName()).isEqualTo("infosysta.access");
		assertThat(event.getFormattedMessage()).isEqualTo("access");
		Map<String, Object> pairs = new HashMap<>();
		for (KeyValuePair pair : event.getKeyValuePairs()) {
			assertThat(pairs).doesNotContainKey(pair.key);
			pairs.put(pair.key, pair.value);
		}
		assertThat(pairs.keySet()).isEqualTo(ACCESS_KEYS);
		return pairs;
	}

	private void assertAccessLogHoldsNothingOfTheRequest() {
		List<String> texts = new ArrayList<>();
		for (ILoggingEvent event : this.accessLog.list) {
			texts.add(event.getMessage());
			texts.add(event.getFormattedMessage());
			if (event.getArgumentArray() != null) {
				for (Object argument : event.getArgumentArray()) {
					texts.add(String.valueOf(argument));
				}
			}
			texts.add(String.valueOf(event.getMDCPropertyMap()));
			for (KeyValuePair pair : event.getKeyValuePairs()) {
				texts.add(pair.key);
				texts.add(String.valueOf(pair.value));
			}
		}
		assertThat(texts).isNotEmpty();
		for (String canary : CANARIES) {
			assertThat(texts).as("access log must not hold '%s'", canary).noneMatch(text -> text.contains(canary));
		}
	}

}
