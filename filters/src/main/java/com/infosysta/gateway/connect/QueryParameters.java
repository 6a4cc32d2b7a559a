package com.infosysta.gateway.connect;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds and removes one parameter in a raw query without touching the others' bytes: the client's {@code jwt}
 * must not travel upstream, and everything else must arrive exactly as sent. Names are compared decoded, as
 * the canonical request compares them.
 */
public final class QueryParameters {

	private QueryParameters() {
	}

	/** The decoded values of every parameter with this (decoded) name, in order. */
	public static List<String> values(String rawQuery, String name) {
		List<String> values = new ArrayList<>(1);
		if (rawQuery == null || rawQuery.isEmpty()) {
			return values;
		}
		forEach(rawQuery, name, (start, end, equals) -> values.add((equals < 0) ? ""
				: CanonicalRequest.decode(rawQuery, equals + 1, end)));
		return values;
	}

	/** The raw query without any parameter of this name, or {@code null} when nothing is left. */
	public static String without(String rawQuery, String name) {
		if (rawQuery == null || rawQuery.isEmpty()) {
			return null;
		}
		StringBuilder kept = new StringBuilder(rawQuery.length());
		int start = 0;
		int length = rawQuery.length();
		while (start <= length) {
			int end = rawQuery.indexOf('&', start);
			if (end < 0) {
				end = length;
			}
			if (end > start && !hasName(rawQuery, start, end, name)) {
				if (kept.length() > 0) {
					kept.append('&');
				}
				kept.append(rawQuery, start, end);
			}
			start = end + 1;
		}
		return (kept.length() == 0) ? null : kept.toString();
	}

	/** Percent-decodes a path once ({@code +} stays a plus, as in paths); invalid escapes stay as they are. */
	public static String decodePath(String rawPath) {
		if (rawPath.indexOf('%') < 0) {
			return rawPath;
		}
		return CanonicalRequest.decode(rawPath.replace("+", "%2B"), 0, rawPath.replace("+", "%2B").length());
	}

	private static void forEach(String rawQuery, String name, Match match) {
		int start = 0;
		int length = rawQuery.length();
		while (start <= length) {
			int end = rawQuery.indexOf('&', start);
			if (end < 0) {
				end = length;
			}
			if (end > start && hasName(rawQuery, start, end, name)) {
				int equals = rawQuery.indexOf('=', start);
				match.found(start, end, (equals >= 0 && equals < end) ? equals : -1);
			}
			start = end + 1;
		}
	}

	private static boolean hasName(String rawQuery, int start, int end, String name) {
		int equals = rawQuery.indexOf('=', start);
		int nameEnd = (equals >= 0 && equals < end) ? equals : end;
		if (nameEnd - start == name.length() && rawQuery.regionMatches(start, name, 0, name.length())) {
			return true;
		}
		// An encoded name such as %6Awt still names the parameter.
		return rawQuery.indexOf('%', start) >= 0 && rawQuery.indexOf('%', start) < nameEnd
				&& name.equals(CanonicalRequest.decode(rawQuery, start, nameEnd));
	}

	@FunctionalInterface
	private interface Match {

		void found(int start, int end, int equals);

	}

}
