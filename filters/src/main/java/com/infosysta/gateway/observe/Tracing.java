package com.infosysta.gateway.observe;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;

/**
 * Trace context for every call, and spans exported over OTLP when an exporter is configured (off by default).
 * <p>
 * Without an exporter the gateway still continues the client's {@code traceparent} (or starts a trace), sends
 * its own span id upstream and logs the trace id, at the cost of two random numbers. With one, the
 * OpenTelemetry SDK makes the span and its batch processor exports it from its own thread, never from the event
 * loop. A span carries only bounded facts (route, tenant id, method, status, problem reason, request id); never
 * a path, a query, a header value or an address.
 */
public final class Tracing implements AutoCloseable {

	private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");

	private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");

	private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("infosysta.route");

	private static final AttributeKey<String> TENANT = AttributeKey.stringKey("infosysta.tenant");

	private static final AttributeKey<String> REASON = AttributeKey.stringKey("infosysta.problem");

	private static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("infosysta.request_id");

	private final double sampling;

	private final SdkTracerProvider provider;

	private final Tracer tracer;

	private Tracing(double sampling, SdkTracerProvider provider) {
		this.sampling = sampling;
		this.provider = provider;
		this.tracer = (provider != null) ? provider.get("com.infosysta.gateway") : null;
	}

	/** Context only: nothing is exported. */
	public static Tracing contextOnly(double sampling) {
		return new Tracing(sampling, null);
	}

	/** Spans go to {@code exporter} in batches; new traces are sampled with probability {@code sampling}. */
	public static Tracing exporting(double sampling, SpanExporter exporter, String serviceName) {
		SdkTracerProvider provider = SdkTracerProvider.builder()
			.setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(sampling)))
			.setResource(Resource.getDefault()
				.merge(Resource.create(io.opentelemetry.api.common.Attributes.of(
						AttributeKey.stringKey("service.name"), serviceName))))
			.addSpanProcessor(BatchSpanProcessor.builder(exporter).setScheduleDelay(Duration.ofSeconds(1)).build())
			.build();
		// OpenTelemetry finds its context storage through a ServiceLoader (jar reads) on first use: do that here,
		// on the starting thread, never on an event loop.
		Context.root();
		TraceState.getDefault();
		return new Tracing(sampling, provider);
	}

	/** An OTLP/HTTP exporter to {@code endpoint} (e.g. {@code http://otel-collector:4318/v1/traces}). */
	public static SpanExporter otlp(String endpoint, Duration timeout) {
		return OtlpHttpSpanExporter.builder().setEndpoint(endpoint).setTimeout(timeout).build();
	}

	public boolean exporting() {
		return this.tracer != null;
	}

	/** Starts the call's trace context (and its span, when exporting) from the client's headers. */
	public Call start(String traceparent, String tracestate, long startEpochNanos) {
		TraceContext offered = TraceContext.continueOrStart(traceparent, tracestate, this.sampling);
		if (this.tracer == null) {
			return new Call(offered, null);
		}
		var builder = this.tracer.spanBuilder("gateway").setSpanKind(SpanKind.SERVER)
			.setStartTimestamp(startEpochNanos, TimeUnit.NANOSECONDS);
		if (offered.parentSpanId() != null) {
			SpanContext parent = SpanContext.createFromRemoteParent(offered.traceId(), offered.parentSpanId(),
					offered.sampled() ? TraceFlags.getSampled() : TraceFlags.getDefault(), TraceState.getDefault());
			builder.setParent(Context.root().with(Span.wrap(parent)));
		}
		else {
			builder.setNoParent();
		}
		Span span = builder.startSpan();
		SpanContext own = span.getSpanContext();
		return new Call(new TraceContext(own.getTraceId(), own.getSpanId(), offered.parentSpanId(), own.isSampled(),
				offered.traceState()), span);
	}

	@Override
	public void close() {
		if (this.provider != null) {
			this.provider.shutdown().join(5, TimeUnit.SECONDS);
		}
	}

	/** One call's context and, when exporting, its span. */
	public static final class Call {

		private final TraceContext context;

		private final Span span;

		Call(TraceContext context, Span span) {
			this.context = context;
			this.span = span;
		}

		public TraceContext context() {
			return this.context;
		}

		/** Ends the span with the call's bounded facts; does nothing when not exporting. */
		public void end(String route, String tenant, String method, int status, String reason, String requestId,
				long endEpochNanos) {
			if (this.span == null) {
				return;
			}
			if (this.span.isRecording()) {
				this.span.updateName(method + " " + route);
				this.span.setAttribute(METHOD, method);
				this.span.setAttribute(STATUS, (long) status);
				this.span.setAttribute(ROUTE, route);
				this.span.setAttribute(TENANT, tenant);
				if (reason != null) {
					this.span.setAttribute(REASON, reason);
				}
				if (requestId != null) {
					this.span.setAttribute(REQUEST_ID, requestId);
				}
				if (status >= 500) {
					this.span.setStatus(StatusCode.ERROR);
				}
			}
			this.span.end(endEpochNanos, TimeUnit.NANOSECONDS);
		}

	}

}
