package com.infosysta.gateway.guard;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

final class PathCheckTest {

	/** Pieces of random paths for the property test: separators, dots, encodings and stray '%'. */
	private static final List<String> PIECES = List.of("/", "/", "/", ".", "..", "%2e", "%2E", "%2f", "%25", "%c3%a9",
			"%c3", "%a9", "%e2%82%ac", "a", "b", "a", ";", "%5c", "%00", "%", "%41", "~", ":", "%20", "-");

	@ParameterizedTest
	@ValueSource(strings = { "/", "/rest/api/3/issue/ABC-1", "/rest/api/2/", "/jira/acme/rest/api/2/search",
			"/a/b%20c", "/a/r%C3%A9sum%C3%A9.pdf", "/a/r%c3%a9sum%c3%a9.pdf", "/a/%F0%9F%98%80", "/a/%E2%82%AC",
			"/a/%E0%A0%80", "/a/%F4%8F%BF%BF", "/a/b:c", "/a/user@host", "/a/b+c", "/a/~user", "/a/b!", "/a/$x",
			"/a/it's", "/a/(b)", "/a/*", "/a/b,c", "/a/b=c", "/a/b&c", "/a/...", "/a/.b", "/a/b.", "/a/..b",
			"/rest/api/3/issue/ABC-1/", "/a/b_c-d.e~f" })
	void acceptsPath(String path) {
		assertThat(PathCheck.problem(path)).isNull();
	}

	@Test
	void acceptsEmptyOrMissingPath() {
		assertThat(PathCheck.problem("")).isNull();
		assertThat(PathCheck.problem(null)).isNull();
	}

	@ParameterizedTest
	@ValueSource(strings = {
			// dot segments, raw and encoded
			"/..", "/a/..", "/a/../b", "/a/.", "/a/./b", "/.", "/a/%2e%2e/b", "/a/%2E%2e/b", "/a/.%2e/b",
			"/a/%2e./b", "/a/%2e", "/a/%2E/b",
			// encoded separators and ';'
			"/a%2fb", "/a%2Fb", "/a%5cb", "/a%5Cb", "/a\\b", "/a;b", "/a/b;jsessionid=1", "/a%3bb", "/a%3Bb",
			// double encoding and encoded '%'
			"/a%252fb", "/a%252e%252e/b", "/a%25", "/a%2541",
			// control characters
			"/a%00b", "/a%0d%0aSet-Cookie:x", "/a%0A", "/a%09", "/a%1f", "/a%7f", "/a%7F",
			// empty segments
			"//", "//a", "/a//b", "/a/b//",
			// invalid UTF-8: overlong, surrogate, out of range, truncated, stray continuation
			"/a%c0%ae", "/a%c1%bf", "/a%e0%80%af", "/a%ed%a0%80", "/a%f0%80%80%af", "/a%f4%90%80%80",
			"/a%f5%80%80%80", "/a%ff", "/a%e2%82", "/a%e2%82/b", "/a%80", "/a%c3a", "/a%c3%c3",
			// malformed percent-encoding
			"/a%zz", "/a%2", "/a%", "/a%g0", "/%", "/a%%41",
			// raw characters that must be encoded
			"/a b", "/a\"b", "/a<b", "/a>b", "/a{b}", "/a|b", "/a^b", "/a`b", "/a#b", "/a[b]", "/a\tb", "/a\u0000b",
			"/a\u007fb", "/r\u00e9sum\u00e9", "/a\u2024\u2024",
			// not starting with '/'
			"a/b", "*", "http://evil.example/a", "./a", "%2fa" })
	void rejectsPath(String path) {
		assertThat(PathCheck.problem(path)).isNotNull().isNotBlank();
	}

	@ParameterizedTest
	@ValueSource(strings = { "/a%\u0664\u0661", "/a%\uff14\uff11", "/a%\u0662\u0660b" })
	void rejectsPercentEncodingWithNonAsciiDigits(String path) {
		// Character.digit accepts any Unicode digit; only ASCII hex digits form a percent-encoding.
		assertThat(PathCheck.problem(path)).isNotNull();
	}

	@ParameterizedTest
	@ValueSource(strings = { "/a/%41%42", "/a/%2E%2E%2E", "/a/%6Aira", "/a/%7E", "/a/%2D", "/a/%5F", "/a/%30" })
	void rejectsPercentEncodedUnreservedCharactersSoRawAndDecodedPathsAgree(String path) {
		assertThat(PathCheck.problem(path)).isEqualTo("The path percent-encodes a character that needs no encoding.");
	}

	@ParameterizedTest
	@ValueSource(strings = { "/a%c2%80", "/a%c2%85", "/a%c2%9f" })
	void rejectsEncodedC1ControlCharacters(String path) {
		// U+0080..U+009F are control characters (U+0085 is NEL, a line break to many log readers).
		assertThat(PathCheck.problem(path)).isNotNull();
	}

	@Test
	void explainsSemicolonSeparately() {
		assertThat(PathCheck.problem("/a;b")).contains("';'");
	}

	@Test
	void neverEchoesThePathInTheProblem() {
		assertThat(PathCheck.problem("/secret-token/%2e%2e")).doesNotContain("secret-token");
		assertThat(PathCheck.problem("/secret-token<x>")).doesNotContain("secret-token");
	}

	@Test
	void acceptedRandomPathsCanNeverLeaveTheBasePath() {
		Random random = new Random(20260526L);
		int accepted = 0;
		for (int run = 0; run < 10_000; run++) {
			StringBuilder path = new StringBuilder("/");
			int pieces = 1 + random.nextInt(8);
			for (int i = 0; i < pieces; i++) {
				path.append(PIECES.get(random.nextInt(PIECES.size())));
			}
			String candidate = path.toString();
			if (PathCheck.problem(candidate) == null) {
				accepted++;
				assertSafe(candidate);
			}
		}
		// Both outcomes must be common, or the generator tests nothing.
		assertThat(accepted).isBetween(500, 9_500);
	}

	private static void assertSafe(String path) {
		String[] segments = path.substring(1).split("/", -1);
		for (String segment : segments) {
			String decoded = decode(segment, path);
			assertThat(decoded).as("decoded segment of %s", path).isNotIn(".", "..");
			for (int i = 0; i < decoded.length(); i++) {
				char c = decoded.charAt(i);
				if (c == '/' || c == '\\' || c == ';' || c == '%' || Character.isISOControl(c)) {
					fail("accepted %s, whose segment decodes to %s", path, decoded);
				}
			}
		}
		URI upstream = URI.create("https://jira.example.com/jira" + path);
		assertThat(upstream.normalize().getRawPath()).as("normalized upstream path of %s", path)
			.startsWith("/jira")
			.isEqualTo(upstream.getRawPath());
	}

	/** Strict RFC 3986 percent-decoding to UTF-8; anything malformed fails the test. */
	private static String decode(String segment, String path) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		for (int i = 0; i < segment.length(); i++) {
			char c = segment.charAt(i);
			if (c == '%') {
				if (i + 2 >= segment.length()) {
					fail("accepted %s with a truncated percent-encoding", path);
				}
				int high = hex(segment.charAt(i + 1), path);
				int low = hex(segment.charAt(i + 2), path);
				bytes.write((high << 4) | low);
				i += 2;
			}
			else if (c < 0x80) {
				bytes.write(c);
			}
			else {
				fail("accepted %s with a raw non-ASCII character", path);
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
			throw new AssertionError("accepted " + path + ", which is not valid UTF-8", ex);
		}
	}

	private static int hex(char c, String path) {
		if (c >= '0' && c <= '9') {
			return c - '0';
		}
		if (c >= 'a' && c <= 'f') {
			return c - 'a' + 10;
		}
		if (c >= 'A' && c <= 'F') {
			return c - 'A' + 10;
		}
		throw new AssertionError("accepted " + path + " with an invalid percent-encoding");
	}

}
