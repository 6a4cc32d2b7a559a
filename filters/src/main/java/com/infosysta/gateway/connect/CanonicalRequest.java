package com.infosysta.gateway.connect;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * Atlassian Connect's canonical request and its query-string hash ({@code qsh}): what a Connect JWT is bound
 * to. {@code METHOD & path-relative-to-the-base & sorted-query}, then SHA-256 in lower-case hex.
 * <p>
 * Where Atlassian's two public implementations (the npm {@code atlassian-jwt} and the Java
 * {@code atlassian-connect-spring-boot}) agree, this follows them; where they differ it follows the published
 * algorithm. The peer-produced vectors in the tests name each such case.
 */
public final class CanonicalRequest {

	private static final char[] HEX_UPPER = "0123456789ABCDEF".toCharArray();

	private static final char[] HEX_LOWER = "0123456789abcdef".toCharArray();

	private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(CanonicalRequest::sha256);

	private CanonicalRequest() {
	}

	/**
	 * @param method the HTTP method, any case
	 * @param rawPath the request path as it arrived (still percent-encoded)
	 * @param basePath the context path of the base URL the token is relative to, without trailing slash
	 * ({@code ""} for none)
	 * @param rawQuery the query as it arrived, or {@code null}
	 * @return the lower-case hex SHA-256 of the canonical request
	 */
	public static String queryStringHash(String method, String rawPath, String basePath, String rawQuery) {
		return hash(canonical(method, rawPath, basePath, rawQuery));
	}

	public static String canonical(String method, String rawPath, String basePath, String rawQuery) {
		int capacity = 64 + rawPath.length() + ((rawQuery != null) ? rawQuery.length() : 0);
		StringBuilder canonical = new StringBuilder(capacity);
		canonical.append(method.toUpperCase(Locale.ROOT)).append('&');
		appendPath(canonical, rawPath, basePath);
		canonical.append('&');
		appendQuery(canonical, rawQuery);
		return canonical.toString();
	}

	public static String hash(String canonical) {
		MessageDigest digest = SHA_256.get();
		byte[] sum = digest.digest(canonical.getBytes(StandardCharsets.UTF_8));
		char[] hex = new char[sum.length * 2];
		for (int i = 0; i < sum.length; i++) {
			hex[2 * i] = HEX_LOWER[(sum[i] >> 4) & 0xf];
			hex[2 * i + 1] = HEX_LOWER[sum[i] & 0xf];
		}
		return new String(hex);
	}

	private static void appendPath(StringBuilder out, String rawPath, String basePath) {
		String path = (rawPath == null) ? "" : rawPath;
		// A plain string prefix, as both public implementations strip it.
		if (!basePath.isEmpty() && path.startsWith(basePath)) {
			path = path.substring(basePath.length());
		}
		int end = path.length();
		while (end > 0 && path.charAt(end - 1) == '/') {
			end--;
		}
		if (end == 0) {
			out.append('/');
			return;
		}
		if (path.charAt(0) != '/') {
			out.append('/');
		}
		for (int i = 0; i < end; i++) {
			char c = path.charAt(i);
			if (c == '&') {
				out.append("%26");
			}
			else {
				out.append(c);
			}
		}
	}

	private static void appendQuery(StringBuilder out, String rawQuery) {
		if (rawQuery == null || rawQuery.isEmpty()) {
			return;
		}
		// Keys are the encoded names, so the order is that of the encoded names (the published algorithm).
		TreeMap<String, List<String>> parameters = new TreeMap<>();
		int start = 0;
		int length = rawQuery.length();
		while (start <= length) {
			int end = rawQuery.indexOf('&', start);
			if (end < 0) {
				end = length;
			}
			if (end > start) {
				int equals = rawQuery.indexOf('=', start);
				String name;
				String value;
				if (equals < 0 || equals > end) {
					name = decode(rawQuery, start, end);
					value = "";
				}
				else {
					name = decode(rawQuery, start, equals);
					value = decode(rawQuery, equals + 1, end);
				}
				if (!"jwt".equals(name)) {
					parameters.computeIfAbsent(encode(name), key -> new ArrayList<>(1)).add(value);
				}
			}
			start = end + 1;
		}
		boolean first = true;
		for (var parameter : parameters.entrySet()) {
			if (!first) {
				out.append('&');
			}
			first = false;
			out.append(parameter.getKey()).append('=');
			List<String> values = parameter.getValue();
			if (values.size() > 1) {
				// Both public implementations sort the decoded values before encoding them.
				Collections.sort(values);
			}
			for (int i = 0; i < values.size(); i++) {
				if (i > 0) {
					out.append(',');
				}
				out.append(encode(values.get(i)));
			}
		}
	}

	/** Form decoding: {@code +} is a space, {@code %XX} are UTF-8 bytes; a stray {@code %} stays as it is. */
	static String decode(String raw, int from, int to) {
		boolean plain = true;
		for (int i = from; i < to; i++) {
			char c = raw.charAt(i);
			if (c == '%' || c == '+') {
				plain = false;
				break;
			}
		}
		if (plain) {
			return raw.substring(from, to);
		}
		ByteArrayOutputStream bytes = new ByteArrayOutputStream(to - from);
		for (int i = from; i < to; i++) {
			char c = raw.charAt(i);
			if (c == '+') {
				bytes.write(' ');
			}
			else if (c == '%' && hexValue(raw, i + 1, to) >= 0 && hexValue(raw, i + 2, to) >= 0) {
				bytes.write((hexValue(raw, i + 1, to) << 4) | hexValue(raw, i + 2, to));
				i += 2;
			}
			else {
				byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
				bytes.write(utf8, 0, utf8.length);
			}
		}
		return bytes.toString(StandardCharsets.UTF_8);
	}

	private static int hexValue(String raw, int index, int to) {
		if (index >= to) {
			return -1;
		}
		char c = raw.charAt(index);
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

	/** RFC 3986 percent-encoding: only {@code A-Z a-z 0-9 - . _ ~} stay; upper-case hex over UTF-8. */
	static String encode(String value) {
		int length = value.length();
		int i = 0;
		while (i < length && isUnreserved(value.charAt(i))) {
			i++;
		}
		if (i == length) {
			return value;
		}
		StringBuilder encoded = new StringBuilder(length + 16);
		encoded.append(value, 0, i);
		byte[] bytes = value.substring(i).getBytes(StandardCharsets.UTF_8);
		for (byte b : bytes) {
			int c = b & 0xff;
			if (c < 0x80 && isUnreserved((char) c)) {
				encoded.append((char) c);
			}
			else {
				encoded.append('%').append(HEX_UPPER[c >> 4]).append(HEX_UPPER[c & 0xf]);
			}
		}
		return encoded.toString();
	}

	private static boolean isUnreserved(char c) {
		return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
				|| c == '_' || c == '~';
	}

	private static MessageDigest sha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is part of every JRE", ex);
		}
	}

}
