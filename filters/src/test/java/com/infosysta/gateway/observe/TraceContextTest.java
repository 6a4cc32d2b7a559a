package com.infosysta.gateway.observe;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

final class TraceContextTest {

	private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

	private static final String PARENT_ID = "00f067aa0ba902b7";

	private static final String SAMPLED = "00-" + TRACE_ID + "-" + PARENT_ID + "-01";

	private static final String NOT_SAMPLED = "00-" + TRACE_ID + "-" + PARENT_ID + "-00";

	private static final String STATE = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";

	@Test
	void continuesSampledVersion00ParentWithOwnNewSpan() {
		TraceContext context = TraceContext.continueOrStart(SAMPLED, null, 0.0);

		assertThat(context.traceId()).isEqualTo(TRACE_ID);
		assertThat(context.parentSpanId()).isEqualTo(PARENT_ID);
		assertThat(context.spanId()).matches("[0-9a-f]{16}").isNotEqualTo(PARENT_ID).isNotEqualTo("0".repeat(16));
		// The client's decision wins over the gateway's own sampling probability (0 here).
		assertThat(context.sampled()).isTrue();
	}

	@Test
	void keepsClientsNotSampledDecisionEvenWhenGatewaySamplesEverything() {
		TraceContext context = TraceContext.continueOrStart(NOT_SAMPLED, null, 1.0);

		assertThat(context.traceId()).isEqualTo(TRACE_ID);
		assertThat(context.parentSpanId()).isEqualTo(PARENT_ID);
		assertThat(context.sampled()).isFalse();
	}

	@Test
	void readsSampledFlagFromLowestBitOfTheFlags() {
		assertThat(TraceContext.continueOrStart("00-" + TRACE_ID + "-" + PARENT_ID + "-03", null, 0).sampled())
			.isTrue();
		assertThat(TraceContext.continueOrStart("00-" + TRACE_ID + "-" + PARENT_ID + "-02", null, 1).sampled())
			.isFalse();
		assertThat(TraceContext.continueOrStart("00-" + TRACE_ID + "-" + PARENT_ID + "-02", null, 1).traceId())
			.isEqualTo(TRACE_ID);
	}

	@Test
	void passesTracestateOnlyWithContinuedTrace() {
		assertThat(TraceContext.continueOrStart(SAMPLED, STATE, 0).traceState()).isEqualTo(STATE);
		assertThat(TraceContext.continueOrStart(null, STATE, 1).traceState()).isNull();
		assertThat(TraceContext.continueOrStart("00-" + TRACE_ID.toUpperCase() + "-" + PARENT_ID + "-01", STATE, 1)
			.traceState()).isNull();
	}

	@Test
	void keepsTracestateAtLengthCapAndDropsLongerOne() {
		String atCap = "v=" + "a".repeat(510);
		String overCap = "v=" + "a".repeat(511);

		TraceContext kept = TraceContext.continueOrStart(SAMPLED, atCap, 0);
		TraceContext dropped = TraceContext.continueOrStart(SAMPLED, overCap, 0);

		assertThat(kept.traceState()).isEqualTo(atCap);
		// Dropped whole, never cut, and the trace itself is still continued.
		assertThat(dropped.traceState()).isNull();
		assertThat(dropped.traceId()).isEqualTo(TRACE_ID);
	}

	@ParameterizedTest
	@ValueSource(strings = { "rojo=1\r\nx-injected: 1", "rojo=1\u0000", "rojo=1\u007f", "rojo=\u00e9t\u00e9" })
	void dropsTracestateWithControlOrNonAsciiCharacters(String state) {
		TraceContext context = TraceContext.continueOrStart(SAMPLED, state, 0);

		assertThat(context.traceState()).isNull();
		assertThat(context.traceId()).isEqualTo(TRACE_ID);
	}

	@ParameterizedTest
	@ValueSource(strings = {
			// wrong lengths
			"00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
			"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",
			"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",
			"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
			"",
			// W3C allows lower-case hex only
			"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
			"00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",
			"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A",
			// all-zero ids are invalid
			"00-00000000000000000000000000000000-00f067aa0ba902b7-01",
			"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
			// not hex
			"00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
			"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01",
			"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x",
			// wrong separators
			"00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
			"00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01",
			"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01",
			// version ff is forbidden by W3C
			"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" })
	void startsNewTraceForInvalidTraceparent(String traceparent) {
		TraceContext context = TraceContext.continueOrStart(traceparent, STATE, 1.0);

		assertNewTrace(context);
		assertThat(context.traceId()).isNotEqualTo(TRACE_ID);
	}

	/**
	 * W3C says a parser SHOULD try a higher version with the version-00 layout; the gateway parses only the
	 * version it knows and starts its own trace instead, which the spec allows (the call is still traced).
	 */
	@ParameterizedTest
	@ValueSource(strings = { "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
			"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future" })
	void startsNewTraceForFutureVersionBecauseOnlyVersion00IsParsed(String traceparent) {
		TraceContext context = TraceContext.continueOrStart(traceparent, STATE, 1.0);

		assertNewTrace(context);
		assertThat(context.traceId()).isNotEqualTo(TRACE_ID);
	}

	@Test
	void startsNewTraceWithoutTraceparent() {
		assertNewTrace(TraceContext.continueOrStart(null, null, 0.5));
	}

	@Test
	void newIdsAreLowerHexOfRightLengthAndDiffer() {
		Set<String> traceIds = new HashSet<>();
		Set<String> spanIds = new HashSet<>();
		for (int i = 0; i < 1000; i++) {
			TraceContext context = TraceContext.continueOrStart(null, null, 0);
			assertNewTrace(context);
			traceIds.add(context.traceId());
			spanIds.add(context.spanId());
		}
		assertThat(traceIds).hasSize(1000);
		assertThat(spanIds).hasSize(1000);
		for (int i = 0; i < 1000; i++) {
			assertThat(TraceContext.newId(1)).matches("[0-9a-f]{16}").isNotEqualTo("0".repeat(16));
			assertThat(TraceContext.newId(2)).matches("[0-9a-f]{32}").isNotEqualTo("0".repeat(32));
		}
	}

	@Test
	void samplingZeroNeverSamplesAndOneAlwaysSamplesNewTraces() {
		for (int i = 0; i < 1000; i++) {
			assertThat(TraceContext.continueOrStart(null, null, 0.0).sampled()).isFalse();
			assertThat(TraceContext.continueOrStart(null, null, 1.0).sampled()).isTrue();
		}
	}

	@Test
	void traceparentNamesGatewaySpanAsParent() {
		TraceContext sampled = TraceContext.continueOrStart(SAMPLED, null, 0);
		TraceContext notSampled = TraceContext.continueOrStart(NOT_SAMPLED, null, 1);

		assertThat(sampled.traceparent()).isEqualTo("00-" + TRACE_ID + "-" + sampled.spanId() + "-01");
		assertThat(notSampled.traceparent()).isEqualTo("00-" + TRACE_ID + "-" + notSampled.spanId() + "-00");
		// What the gateway sends is itself a traceparent the gateway would continue.
		TraceContext next = TraceContext.continueOrStart(sampled.traceparent(), null, 0);
		assertThat(next.traceId()).isEqualTo(TRACE_ID);
		assertThat(next.parentSpanId()).isEqualTo(sampled.spanId());
	}

	@Test
	void traceparentOfNewTraceHasW3cLayout() {
		TraceContext context = TraceContext.continueOrStart(null, null, 1.0);

		assertThat(context.traceparent()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01")
			.isEqualTo("00-" + context.traceId() + "-" + context.spanId() + "-01");
	}

	private static void assertNewTrace(TraceContext context) {
		assertThat(context.traceId()).matches("[0-9a-f]{32}").isNotEqualTo("0".repeat(32));
		assertThat(context.spanId()).matches("[0-9a-f]{16}").isNotEqualTo("0".repeat(16));
		assertThat(context.parentSpanId()).isNull();
		assertThat(context.traceState()).isNull();
	}

}
