package com.infosysta.gateway.observe;

import java.util.Map;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

final class TracingTest {

	private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

	private static final String PARENT_ID = "00f067aa0ba902b7";

	private static final String SAMPLED = "00-" + TRACE_ID + "-" + PARENT_ID + "-01";

	private static final String NOT_SAMPLED = "00-" + TRACE_ID + "-" + PARENT_ID + "-00";

	private static final long START = 1_767_225_600_000_000_000L;

	private static final long END = START + 12_345_678L;

	private final RecordingSpanExporter exporter = new RecordingSpanExporter();

	private Tracing tracing;

	@AfterEach
	void closeTracing() {
		if (this.tracing != null) {
			this.tracing.close();
		}
	}

	@Test
	void continuesClientsTraceWithGatewaySpanAsChildOfClientsSpan() {
		this.tracing = Tracing.exporting(1.0, this.exporter, "svc");

		Tracing.Call call = this.tracing.start(SAMPLED, "rojo=1", START);
		call.end("jira", "acme", "GET", 200, null, "req-1", END);
		this.tracing.close();

		assertThat(this.tracing.exporting()).isTrue();
		SpanData span = single();
		assertThat(span.getTraceId()).isEqualTo(TRACE_ID);
		assertThat(span.getParentSpanId()).isEqualTo(PARENT_ID);
		assertThat(span.getParentSpanContext().isRemote()).isTrue();
		assertThat(span.getSpanId()).isEqualTo(call.context().spanId()).isNotEqualTo(PARENT_ID);
		assertThat(call.context().traceId()).isEqualTo(TRACE_ID);
		assertThat(call.context().parentSpanId()).isEqualTo(PARENT_ID);
		assertThat(call.context().sampled()).isTrue();
		assertThat(call.context().traceState()).isEqualTo("rojo=1");
		assertThat(call.context().traceparent()).isEqualTo("00-" + TRACE_ID + "-" + span.getSpanId() + "-01");
		assertThat(span.getKind()).isEqualTo(SpanKind.SERVER);
		assertThat(span.getName()).isEqualTo("GET jira");
		assertThat(span.getStartEpochNanos()).isEqualTo(START);
		assertThat(span.getEndEpochNanos()).isEqualTo(END);
		assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
		assertThat(span.getResource().getAttribute(AttributeKey.stringKey("service.name"))).isEqualTo("svc");
	}

	@Test
	void spanCarriesExactlyTheBoundedAttributes() {
		this.tracing = Tracing.exporting(1.0, this.exporter, "svc");

		Tracing.Call call = this.tracing.start(SAMPLED, null, START);
		call.end("apps", "acme", "POST", 429, "rate-limited", "req-7", END);
		this.tracing.close();

		assertThat(single().getAttributes().asMap()).containsExactlyInAnyOrderEntriesOf(Map.of(
				AttributeKey.stringKey("http.request.method"), "POST",
				AttributeKey.longKey("http.response.status_code"), 429L,
				AttributeKey.stringKey("infosysta.route"), "apps",
				AttributeKey.stringKey("infosysta.tenant"), "acme",
				AttributeKey.stringKey("infosysta.problem"), "rate-limited",
				AttributeKey.stringKey("infosysta.request_id"), "req-7"));
		assertThat(single().getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
	}

	@Test
	void leavesOutReasonAndRequestIdWhenAbsent() {
		this.tracing = Tracing.exporting(1.0, this.exporter, "svc");

		this.tracing.start(null, null, START).end("other", "none", "other", 404, null, null, END);
		this.tracing.close();

		assertThat(single().getAttributes().asMap()).containsOnlyKeys(
				AttributeKey.stringKey("http.request.method"), AttributeKey.longKey("http.response.status_code"),
				AttributeKey.stringKey("infosysta.route"), AttributeKey.stringKey("infosysta.tenant"));
	}

	@Test
	void marksServerErrorsAsError() {
		this.tracing = Tracing.exporting(1.0, this.exporter, "svc");

		this.tracing.start(SAMPLED, null, START).end("jira", "acme", "GET", 502, "upstream-unavailable", "r", END);
		this.tracing.start(SAMPLED, null, START).end("jira", "acme", "GET", 499, null, "r", END);
		this.tracing.close();

		assertThat(this.exporter.spans()).extracting(span -> span.getStatus().getStatusCode())
			.containsExactlyInAnyOrder(StatusCode.ERROR, StatusCode.UNSET);
		assertThat(this.exporter.spans()).filteredOn(span -> span.getStatus().getStatusCode() == StatusCode.ERROR)
			.singleElement()
			.satisfies(span -> assertThat(span.getAttributes().get(AttributeKey.longKey("http.response.status_code")))
				.isEqualTo(502L));
	}

	@Test
	void startsOwnTraceWithoutParentWhenClientSentNone() {
		this.tracing = Tracing.exporting(1.0, this.exporter, "svc");

		Tracing.Call call = this.tracing.start(null, "rojo=1", START);
		call.end("jira", "acme", "GET", 200, null, "req-1", END);
		this.tracing.close();

		SpanData span = single();
		assertThat(span.getParentSpanContext().isValid()).isFalse();
		assertThat(span.getTraceId()).isEqualTo(call.context().traceId());
		assertThat(span.getSpanId()).isEqualTo(call.context().spanId());
		assertThat(call.context().parentSpanId()).isNull();
		assertThat(call.context().traceState()).isNull();
		assertThat(call.context().sampled()).isTrue();
	}

	@Test
	void exportsNothingForClientsUnsampledTraceButStillGivesGatewayItsOwnSpanId() {
		this.tracing = Tracing.exporting(1.0, this.exporter, "svc");

		Tracing.Call call = this.tracing.start(NOT_SAMPLED, null, START);
		call.end("jira", "acme", "GET", 200, null, "req-1", END);
		this.tracing.close();

		assertThat(this.exporter.spans()).isEmpty();
		assertThat(call.context().traceId()).isEqualTo(TRACE_ID);
		assertThat(call.context().spanId()).matches("[0-9a-f]{16}").isNotEqualTo(PARENT_ID);
		assertThat(call.context().sampled()).isFalse();
		assertThat(call.context().traceparent()).endsWith("-00");
	}

	@Test
	void exportsNothingForNewTraceWhenSamplingIsZero() {
		this.tracing = Tracing.exporting(0.0, this.exporter, "svc");

		Tracing.Call call = this.tracing.start(null, null, START);
		call.end("jira", "acme", "GET", 200, null, "req-1", END);
		this.tracing.close();

		assertThat(this.exporter.spans()).isEmpty();
		assertThat(call.context().sampled()).isFalse();
		assertThat(call.context().traceId()).matches("[0-9a-f]{32}");
	}

	@Test
	void contextOnlyContinuesTraceAndExportsNothing() {
		this.tracing = Tracing.contextOnly(1.0);

		Tracing.Call call = this.tracing.start(SAMPLED, "rojo=1", START);
		call.end("jira", "acme", "GET", 500, "internal-error", "req-1", END);
		this.tracing.close();

		assertThat(this.tracing.exporting()).isFalse();
		assertThat(call.context().traceId()).isEqualTo(TRACE_ID);
		assertThat(call.context().parentSpanId()).isEqualTo(PARENT_ID);
		assertThat(call.context().spanId()).matches("[0-9a-f]{16}").isNotEqualTo(PARENT_ID);
		assertThat(call.context().traceState()).isEqualTo("rojo=1");
		assertThat(this.tracing.start(null, null, START).context().sampled()).isTrue();
	}

	@Test
	void closeFlushesSpansStillInTheBatchAndShutsExporterDown() {
		this.tracing = Tracing.exporting(1.0, this.exporter, "svc");
		for (int i = 0; i < 3; i++) {
			this.tracing.start(SAMPLED, null, START).end("jira", "acme", "GET", 200, null, "req-" + i, END);
		}

		this.tracing.close();

		assertThat(this.exporter.spans()).hasSize(3);
		assertThat(this.exporter.isShutDown()).isTrue();
	}

	private SpanData single() {
		assertThat(this.exporter.spans()).hasSize(1);
		return this.exporter.spans().get(0);
	}

}
