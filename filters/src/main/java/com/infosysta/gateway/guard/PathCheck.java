package com.infosysta.gateway.guard;

/**
 * The strict check every request path passes before anything else looks at it. The path is decoded once,
 * only to be judged: it is forwarded byte for byte as it arrived, so the gateway, the tenant's Jira and any
 * signature over the path (Connect's {@code qsh}) all see the same bytes. Anything a server could read in two
 * ways is refused rather than normalised: {@code .} and {@code ..} segments (raw or encoded), encoded
 * {@code /}, {@code \} and {@code ;}, double encoding, control characters, empty segments, invalid UTF-8, and
 * percent-encoded letters, digits and {@code -._~} (which make the raw and the decoded path differ).
 */
public final class PathCheck {

	private static final boolean[] ALLOWED_RAW = new boolean[128];

	static {
		String allowed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,=:@/%";
		for (int i = 0; i < allowed.length(); i++) {
			ALLOWED_RAW[allowed.charAt(i)] = true;
		}
	}

	private PathCheck() {
	}

	/**
	 * @param rawPath the path as it arrived, still percent-encoded
	 * @return {@code null} when the path is acceptable, otherwise why not (gateway-authored, safe to show)
	 */
	public static String problem(String rawPath) {
		if (rawPath == null || rawPath.isEmpty()) {
			return null;
		}
		if (rawPath.charAt(0) != '/') {
			return "The path must start with '/'.";
		}
		int length = rawPath.length();
		int segmentDots = 0;
		int segmentLength = 0;
		int utf8Pending = 0;
		int nextLow = 0x80;
		int nextHigh = 0xbf;
		for (int i = 1; i <= length; i++) {
			if (i == length || rawPath.charAt(i) == '/') {
				if (utf8Pending != 0) {
					return "The path is not valid UTF-8.";
				}
				if (segmentLength == 0 && i < length) {
					return "The path has an empty segment ('//').";
				}
				if (segmentLength > 0 && segmentDots == segmentLength && segmentLength <= 2) {
					return "The path has a '.' or '..' segment.";
				}
				segmentDots = 0;
				segmentLength = 0;
				continue;
			}
			char c = rawPath.charAt(i);
			if (c >= 128 || !ALLOWED_RAW[c]) {
				return (c == ';') ? "The path must not contain ';'." : "The path has a character that must be"
						+ " percent-encoded or is not allowed.";
			}
			int decoded = c;
			if (c == '%') {
				if (i + 2 >= length) {
					return "The path has an incomplete percent-encoding.";
				}
				int high = hexValue(rawPath.charAt(i + 1));
				int low = hexValue(rawPath.charAt(i + 2));
				if (high < 0 || low < 0) {
					return "The path has an invalid percent-encoding.";
				}
				decoded = (high << 4) | low;
				i += 2;
				if (decoded < 0x80 && isUnreserved((char) decoded)) {
					// Raw and decoded must read the same: routes match one, the upstream reads the other.
					return "The path percent-encodes a character that needs no encoding.";
				}
				if (decoded == '/' || decoded == '\\' || decoded == ';' || decoded == '%' || decoded < 0x20
						|| decoded == 0x7f) {
					return "The path has an encoded character that is not allowed ('/', '\\', ';', '%' or a"
							+ " control character).";
				}
			}
			if (utf8Pending > 0) {
				if (decoded < nextLow || decoded > nextHigh) {
					return "The path is not valid UTF-8.";
				}
				utf8Pending--;
				nextLow = 0x80;
				nextHigh = 0xbf;
			}
			else if (decoded >= 0x80) {
				// RFC 3629: shortest forms only, no surrogates, nothing above U+10FFFF.
				if (decoded >= 0xc2 && decoded <= 0xdf) {
					utf8Pending = 1;
					// U+0080..U+009F are C1 control characters.
					nextLow = (decoded == 0xc2) ? 0xa0 : 0x80;
				}
				else if (decoded >= 0xe0 && decoded <= 0xef) {
					utf8Pending = 2;
					nextLow = (decoded == 0xe0) ? 0xa0 : 0x80;
					nextHigh = (decoded == 0xed) ? 0x9f : 0xbf;
				}
				else if (decoded >= 0xf0 && decoded <= 0xf4) {
					utf8Pending = 3;
					nextLow = (decoded == 0xf0) ? 0x90 : 0x80;
					nextHigh = (decoded == 0xf4) ? 0x8f : 0xbf;
				}
				else {
					return "The path is not valid UTF-8.";
				}
			}
			segmentLength++;
			if (decoded == '.') {
				segmentDots++;
			}
		}
		return null;
	}

	private static boolean isUnreserved(char c) {
		return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
				|| c == '_' || c == '~';
	}

	/** ASCII hex digits only: {@link Character#digit} would also take other scripts' digits. */
	private static int hexValue(char c) {
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
