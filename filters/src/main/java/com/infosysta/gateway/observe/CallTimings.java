package com.infosysta.gateway.observe;

import org.springframework.web.server.ServerWebExchange;

/**
 * What the gateway notes about one call while it runs, for its meters, access log and span: when it started,
 * when its response headers went out, when the upstream call started and when the upstream's headers came
 * back, and the bytes that passed each way. Written by the event loop that serves the call.
 */
public final class CallTimings {

	/** Exchange attribute holding the call's timings. */
	public static final String ATTRIBUTE = CallTimings.class.getName();

	final long startNanos;

	volatile long headersNanos;

	volatile long upstreamStartNanos;

	volatile long upstreamHeadersNanos;

	volatile long bytesIn;

	volatile long bytesOut;

	CallTimings(long startNanos) {
		this.startNanos = startNanos;
	}

	/** Notes that the call to the upstream starts now (again, when a refused connection is retried). */
	public static void upstreamStarts(ServerWebExchange exchange) {
		CallTimings timings = exchange.getAttribute(ATTRIBUTE);
		if (timings != null) {
			timings.upstreamStartNanos = System.nanoTime();
			timings.upstreamHeadersNanos = 0;
		}
	}

	/** Notes that the upstream's response headers arrived now. */
	public static void upstreamAnswered(ServerWebExchange exchange) {
		CallTimings timings = exchange.getAttribute(ATTRIBUTE);
		if (timings != null) {
			timings.upstreamHeadersNanos = System.nanoTime();
		}
	}

}
