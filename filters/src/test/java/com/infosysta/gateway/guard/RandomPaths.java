package com.infosysta.gateway.guard;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;

/**
 * Seeded generator of hostile request paths for the property tests of the path check and the upstream URI:
 * safe characters, dots, separators raw and encoded (once and twice), semicolons, backslashes, encoded
 * unreserved characters, valid and invalid UTF-8, raw Unicode and control characters, stray and broken
 * percent signs. The seeds are fixed so a failure is reproducible; {@code -Dpath.properties.seed=<n>} runs
 * another family of seeds.
 */
public final class RandomPaths {

	/** Where each test's seeds come from; printed with every failure. */
	public static final long BASE_SEED = Long.getLong("path.properties.seed", 0x1F0_5EED_2026L);

	/** Paths generated per seed. */
	public static final int PER_SEED = 1_000;

	private static final List<String> PIECES = List.of(
			// safe characters, several times so that acceptable paths are common
			"a", "b", "z", "A", "Z", "0", "9", "-", "_", "~", "!", "$", "&", "'", "(", ")", "*", "+", ",", "=", ":",
			"@", "issue", "rest", "api", "ABC-1",
			// separators and dots
			"/", "/", "/", "/", ".", ".", "..", "...",
			// encoded separators, dots and semicolons, in both cases
			"%2e", "%2E", "%2e%2e", "%2f", "%2F", "%5c", "%5C", "%3b", "%3B",
			// double encoding and encoded percent signs
			"%25", "%252f", "%252F", "%252e", "%255c", "%2525",
			// encoded unreserved characters (raw and decoded paths would differ)
			"%41", "%61", "%7e", "%2d", "%5f", "%30",
			// encoded reserved characters a path may carry
			"%20", "%3f", "%23", "%40", "%3a", "%26",
			// valid UTF-8
			"%c3%a9", "%C3%A9", "%e2%82%ac", "%f0%9f%98%80", "%c2%a0",
			// invalid UTF-8: overlong '.', overlong '/', surrogate, stray bytes, C1 controls, truncated
			"%c0%ae", "%c0%af", "%e0%80%ae", "%ed%a0%80", "%ff", "%80", "%c3", "%c2%80", "%c2%85", "%e2%82",
			// encoded control characters
			"%00", "%0d", "%0a", "%09", "%7f", "%0d%0a",
			// raw characters that must never pass
			"\\", ";", "\u0000", "\t", "\r", "\n", " ", "\u007f", "\u0085", "\u00e9", "\u20ac", "\u202e", "\uff0e",
			"\ud83d\ude00", "\"", "<", ">", "{", "}", "|", "^", "`", "[", "]", "#", "?",
			// broken percent-encodings
			"%", "%z", "%2", "%g0", "%\u0661\u0662");

	private RandomPaths() {
	}

	/** The seeds of one property test: 16 of them, derived from {@link #BASE_SEED} and the test's name. */
	public static LongStream seeds(String property) {
		Random seeds = new Random(BASE_SEED ^ property.hashCode());
		return LongStream.generate(seeds::nextLong).limit(16);
	}

	/** The rest of a path below the gateway path: starts with '/', 1 to 12 random pieces. */
	public static String rest(Random random) {
		StringBuilder path = new StringBuilder("/");
		int pieces = 1 + random.nextInt(12);
		for (int i = 0; i < pieces; i++) {
			path.append(PIECES.get(random.nextInt(PIECES.size())));
		}
		return path.toString();
	}

	/** The path with control and non-ASCII characters escaped, for failure messages. */
	public static String show(String path) {
		StringBuilder shown = new StringBuilder();
		for (int i = 0; i < path.length(); i++) {
			char c = path.charAt(i);
			if (c < 0x20 || c >= 0x7f) {
				shown.append(String.format("\\u%04x", (int) c));
			}
			else {
				shown.append(c);
			}
		}
		return shown.toString();
	}

	/**
	 * The segments of a raw path (after its leading '/'), each percent-decoded once, strictly (RFC 3986 and RFC
	 * 3629); {@code null} when the path is not a strict percent-encoding of UTF-8.
	 */
	public static List<String> decodedSegments(String rawPath) {
		List<String> segments = new ArrayList<>();
		for (String segment : rawPath.substring(1).split("/", -1)) {
			String decoded = decode(segment);
			if (decoded == null) {
				return null;
			}
			segments.add(decoded);
		}
		return segments;
	}

	private static String decode(String segment) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		for (int i = 0; i < segment.length(); i++) {
			char c = segment.charAt(i);
			if (c == '%') {
				if (i + 2 >= segment.length()) {
					return null;
				}
				int high = hex(segment.charAt(i + 1));
				int low = hex(segment.charAt(i + 2));
				if (high < 0 || low < 0) {
					return null;
				}
				bytes.write((high << 4) | low);
				i += 2;
			}
			else if (c < 0x80) {
				bytes.write(c);
			}
			else {
				return null;
			}
		}
		try {
			return StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(bytes.toByteArray()))
				.toString();
		}
		catch (CharacterCodingException ex) {
			return null;
		}
	}

	private static int hex(char c) {
		if (c >= '0' && c <= '9') {
			return c - '0';
		}
		if (c >= 'a' && c <= 'f') {
			return c - 'a' + 10;
		}
		if (c >= 'A' && c <= 'F') {
			return c - 'A' + 10;
		}
		return -1;
	}

}
