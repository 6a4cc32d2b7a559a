package com.infosysta.gateway.observe;

import org.springframework.web.server.ServerWebExchange;

/**
 * What the gateway notes about one call while it runs, for its meters, access log and span: when it started,
 * when its response headers went out, when the upstream call started and when the upstream's headers came
 * back, and the bytes that passed each way; and the call's trace context, which travels in the same exchange
 * attribute (the exchange's attribute map rehashes every entry once it holds 24, and a full-chain call came to
 * exactly that). Written by the event loop that serves the call.
 */
public final class CallTimings {

	/** Exchange attribute holding the call's timings. */
	public static final String ATTRIBUTE = CallTimings.class.getName();

	final long startNanos;

	final TraceContext trace;

	volatile long headersNanos;

	volatile long upstreamStartNanos;

	volatile long upstreamHeadersNanos;

	volatile long bytesIn;

	volatile long bytesOut;

	/**
	 * @param startNanos {@link System#nanoTime()} when the call arrived
	 * @param trace the call's trace context
	 */
	public CallTimings(long startNanos, TraceContext trace) {
		this.startNanos = startNanos;
		this.trace = trace;
	}

	/** The call's trace context, or {@code null} when the call is not observed. */
	static TraceContext trace(ServerWebExchange exchange) {
		CallTimings timings = exchange.getAttribute(ATTRIBUTE);
		return (timings != null) ? timings.trace : null;
	}

	/**
	 * Notes that the call to the upstream starts now (again, when a refused connection is retried).
	 * @return the call's trace context, whose span is the upstream's parent, or {@code null} when the call is not
	 * observed
	 */
	public static TraceContext upstreamStarts(ServerWebExchange exchange) {
		CallTimings timings = exchange.getAttribute(ATTRIBUTE);
		if (timings == null) {
			return null;
		}
		timings.upstreamStartNanos = System.nanoTime();
		timings.upstreamHeadersNanos = 0;
		return timings.trace;
	}

	/** Notes that the upstream's response headers arrived now. */
	public static void upstreamAnswered(ServerWebExchange exchange) {
		CallTimings timings = exchange.getAttribute(ATTRIBUTE);
		if (timings != null) {
			timings.upstreamHeadersNanos = System.nanoTime();
		}
	}

}
