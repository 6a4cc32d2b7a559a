package com.infosysta.gateway.observe;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The W3C Trace Context of one call through the gateway: the trace it belongs to (continued from the client's
 * {@code traceparent} when that is well formed, otherwise new), the gateway's own span in it, and whether the
 * trace is sampled. Only identifiers: nothing of the request is in it.
 *
 * @param traceId 32 lower-case hex digits, not all zero
 * @param spanId the gateway's span, 16 lower-case hex digits, not all zero; the upstream's parent
 * @param parentSpanId the client's span, or {@code null} when the gateway started the trace
 * @param sampled whether the trace is recorded
 * @param traceState the client's {@code tracestate}, passed on unchanged with a continued trace, or {@code null}
 */
public record TraceContext(String traceId, String spanId, String parentSpanId, boolean sampled, String traceState) {

	public static final String TRACEPARENT = "traceparent";

	public static final String TRACESTATE = "tracestate";

	/** W3C's limit is 32 list members of at most 256 characters each; longer values are dropped, not cut. */
	private static final int MAX_TRACESTATE_LENGTH = 512;

	private static final char[] HEX = "0123456789abcdef".toCharArray();

	/**
	 * The context for a call that brought {@code traceparent} (may be {@code null}): continues a well-formed
	 * version-00 parent, otherwise starts a trace sampled with probability {@code sampling}.
	 */
	public static TraceContext continueOrStart(String traceparent, String tracestate, double sampling) {
		if (traceparent != null && traceparent.length() == 55 && traceparent.startsWith("00-")
				&& traceparent.charAt(35) == '-' && traceparent.charAt(52) == '-') {
			String traceId = traceparent.substring(3, 35);
			String parentId = traceparent.substring(36, 52);
			String flags = traceparent.substring(53, 55);
			if (isHex(traceId) && !isZero(traceId) && isHex(parentId) && !isZero(parentId) && isHex(flags)) {
				boolean sampled = (Integer.parseInt(flags, 16) & 1) == 1;
				String state = (tracestate != null && tracestate.length() <= MAX_TRACESTATE_LENGTH
						&& isPrintable(tracestate)) ? tracestate : null;
				return new TraceContext(traceId, newId(1), parentId, sampled, state);
			}
		}
		boolean sampled = sampling > 0 && ThreadLocalRandom.current().nextDouble() < sampling;
		return new TraceContext(newId(2), newId(1), null, sampled, null);
	}

	/** The {@code traceparent} the upstream receives: this trace, with the gateway's span as the parent. */
	public String traceparent() {
		return "00-" + this.traceId + "-" + this.spanId + (this.sampled ? "-01" : "-00");
	}

	/** A fresh random identifier of {@code longs} × 16 hex digits, never all zero. */
	static String newId(int longs) {
		char[] id = new char[16 * longs];
		ThreadLocalRandom random = ThreadLocalRandom.current();
		for (int l = 0; l < longs; l++) {
			long bits = random.nextLong();
			if (bits == 0) {
				bits = 1;
			}
			for (int i = 0; i < 16; i++) {
				id[16 * l + i] = HEX[(int) (bits >>> (60 - 4 * i)) & 0xf];
			}
		}
		return new String(id);
	}

	private static boolean isHex(String value) {
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
				return false;
			}
		}
		return true;
	}

	private static boolean isZero(String value) {
		for (int i = 0; i < value.length(); i++) {
			if (value.charAt(i) != '0') {
				return false;
			}
		}
		return true;
	}

	private static boolean isPrintable(String value) {
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c < 0x20 || c > 0x7e) {
				return false;
			}
		}
		return true;
	}

}
