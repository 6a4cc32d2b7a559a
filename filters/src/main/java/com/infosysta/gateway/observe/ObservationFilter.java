package com.infosysta.gateway.observe;

import java.time.Clock;
import java.time.Instant;

import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import com.infosysta.gateway.privacy.NoStoreFilter;
import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.problem.ProblemType;
import com.infosysta.gateway.tenant.Tenant;
import com.infosysta.gateway.tenant.TenantResolutionFilter;

/**
 * Observes every call on the public port, once, when it has ended: the request meters ({@link RequestMetrics}),
 * one access-log line, and the call's span. It wraps the whole chain, including the problem handler, so a
 * refusal is seen with the status the client got.
 * <p>
 * The access log goes to the logger {@code infosysta.access} (asynchronous appender, JSON) with identifiers,
 * route, tenant id, method, status, durations, byte counts and the problem reason: never a path, a query, a
 * header value, a credential, a cookie, a body or a client address. The overhead is the time to response headers
 * minus the upstream's time to response headers, recorded only when an upstream answered.
 */
public final class ObservationFilter implements WebFilter, Ordered {

	/** Right after the privacy filter; before the guard, so every refusal is counted too. */
	public static final int ORDER = NoStoreFilter.ORDER + 1;

	/** A client that went away before its answer: counted as nginx's 499. */
	static final int CLIENT_CLOSED = 499;

	private static final Logger ACCESS = LoggerFactory.getLogger("infosysta.access");

	private final RequestMetrics metrics;

	private final TenantTags tenantTags;

	private final Tracing tracing;

	private final WebExceptionHandler problems;

	private final boolean accessLog;

	private final Clock clock;

	public ObservationFilter(RequestMetrics metrics, TenantTags tenantTags, Tracing tracing,
			WebExceptionHandler problems, boolean accessLog, Clock clock) {
		this.metrics = metrics;
		this.tenantTags = tenantTags;
		this.tracing = tracing;
		this.problems = problems;
		this.accessLog = accessLog;
		this.clock = clock;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		long startNanos = System.nanoTime();
		ServerHttpRequest request = exchange.getRequest();
		HttpHeaders headers = request.getHeaders();
		Tracing.Call trace = this.tracing.start(headers.getFirst(TraceContext.TRACEPARENT),
				headers.getFirst(TraceContext.TRACESTATE), spanNanos());
		CallTimings timings = new CallTimings(startNanos, trace.context());
		exchange.getAttributes().put(CallTimings.ATTRIBUTE, timings);
		ServerHttpResponse response = exchange.getResponse();
		response.beforeCommit(() -> {
			timings.headersNanos = System.nanoTime();
			return Mono.empty();
		});
		ServerWebExchange counted = exchange.mutate()
			.request(new CountingRequest(request, timings))
			.response(new CountingResponse(response, timings))
			.build();
		return chain.filter(counted)
			// A failure after the headers went out is passed on as it is (the server closes the connection, and
			// the problem handler outside logs it once); before that it becomes the problem the client gets.
			.onErrorResume(failure -> counted.getResponse().isCommitted() ? Mono.error(failure)
					: this.problems.handle(counted, failure))
			.doFinally(signal -> finish(counted, timings, trace, signal));
	}

	private void finish(ServerWebExchange exchange, CallTimings timings, Tracing.Call trace, SignalType signal) {
		long end = System.nanoTime();
		ServerHttpResponse response = exchange.getResponse();
		HttpStatusCode statusCode = response.getStatusCode();
		int status = (statusCode != null) ? statusCode.value() : 200;
		boolean committed = response.isCommitted();
		if (signal == SignalType.CANCEL && timings.headersNanos == 0) {
			status = CLIENT_CLOSED;
		}
		Tenant tenant = exchange.getAttribute(TenantResolutionFilter.TENANT_ATTRIBUTE);
		int route = RequestMetrics.route(exchange.getRequest().getPath().value());
		int method = RequestMetrics.method(exchange.getRequest().getMethod().name());
		ProblemType problem = exchange.getAttribute(ProblemResponseWriter.PROBLEM_TYPE_ATTRIBUTE);
		long headersAt = (timings.headersNanos != 0) ? timings.headersNanos : end;
		long upstreamNanos = -1;
		long overheadNanos = -1;
		boolean upstreamAnswered = false;
		if (timings.upstreamStartNanos != 0) {
			if (timings.upstreamHeadersNanos != 0) {
				upstreamAnswered = true;
				upstreamNanos = timings.upstreamHeadersNanos - timings.upstreamStartNanos;
				overheadNanos = Math.max(0, (headersAt - timings.startNanos) - upstreamNanos);
			}
			else {
				upstreamNanos = end - timings.upstreamStartNanos;
			}
		}
		long totalNanos = end - timings.startNanos;
		this.metrics.record(this.tenantTags.tag(tenant), route, method, status, totalNanos, upstreamNanos,
				upstreamAnswered, overheadNanos, problem);
		String requestId = exchange.getAttribute(ProblemResponseWriter.REQUEST_ID_ATTRIBUTE);
		String tenantId = (tenant != null) ? tenant.id() : TenantTags.NONE;
		String reason = (problem != null) ? problem.reason() : null;
		if (this.accessLog && ACCESS.isInfoEnabled()) {
			ACCESS.atInfo()
				.setMessage("access")
				.addKeyValue("request_id", requestId)
				.addKeyValue("trace_id", trace.context().traceId())
				.addKeyValue("route", RequestMetrics.routeName(route))
				.addKeyValue("tenant", tenantId)
				.addKeyValue("method", RequestMetrics.methodName(method))
				.addKeyValue("status", status)
				.addKeyValue("outcome", outcome(signal, committed))
				.addKeyValue("duration_ms", millis(totalNanos))
				.addKeyValue("upstream_ms", (upstreamNanos >= 0) ? millis(upstreamNanos) : null)
				.addKeyValue("bytes_in", timings.bytesIn)
				.addKeyValue("bytes_out", timings.bytesOut)
				.addKeyValue("reason", reason)
				.log();
		}
		trace.end(RequestMetrics.routeName(route), tenantId, RequestMetrics.methodName(method), status, reason,
				requestId, spanNanos());
	}

	private static String outcome(SignalType signal, boolean committed) {
		if (signal == SignalType.CANCEL) {
			return "client-closed";
		}
		if (signal == SignalType.ON_ERROR) {
			return committed ? "cut" : "failed";
		}
		return "completed";
	}

	private static double millis(long nanos) {
		return Math.round(nanos / 1_000.0) / 1_000.0;
	}

	/** A span's wall-clock time; the clock is read only when spans are exported. */
	private long spanNanos() {
		return this.tracing.exporting() ? epochNanos() : 0L;
	}

	private long epochNanos() {
		Instant now = this.clock.instant();
		return now.getEpochSecond() * 1_000_000_000L + now.getNano();
	}

	/** Counts the request body's bytes as they stream through; nothing is kept. */
	private static final class CountingRequest extends ServerHttpRequestDecorator {

		private final CallTimings timings;

		CountingRequest(ServerHttpRequest delegate, CallTimings timings) {
			super(delegate);
			this.timings = timings;
		}

		@Override
		public Flux<DataBuffer> getBody() {
			return super.getBody().doOnNext(buffer -> this.timings.bytesIn += buffer.readableByteCount());
		}

	}

	/** Counts the response body's bytes as they stream through; nothing is kept. */
	private static final class CountingResponse extends ServerHttpResponseDecorator {

		private final CallTimings timings;

		CountingResponse(ServerHttpResponse delegate, CallTimings timings) {
			super(delegate);
			this.timings = timings;
		}

		@Override
		public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
			// A single buffer stays a Mono: the server writes it without a separate flush.
			if (body instanceof Mono<? extends DataBuffer> single) {
				return super.writeWith(single.doOnNext(this::count));
			}
			return super.writeWith(Flux.from(body).doOnNext(this::count));
		}

		@Override
		public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
			return super.writeAndFlushWith(Flux.from(body).map(part -> Flux.from(part).doOnNext(this::count)));
		}

		private void count(DataBuffer buffer) {
			this.timings.bytesOut += buffer.readableByteCount();
		}

	}

}
