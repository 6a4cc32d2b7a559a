package com.infosysta.gateway.guard;

import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.LongStream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Properties of the strict path check over seeded random hostile paths ({@link RandomPaths}); every failure names
 * its seed and path, so it can be replayed.
 */
final class PathCheckPropertiesTest {

	private static final String GATEWAY_PATH = "/jira/acme";

	/** Substrings no accepted path may contain, compared case-insensitively. */
	private static final List<String> HOSTILE = List.of("%2e", "%2f", "%5c", "%3b", "%25", "\\", ";", "%00", "%0d",
			"%0a", "%09", "%7f", "%c0", "%ff", "%ed%a0", "%41", "%61", "%7e", "%2d", "%5f", "%30", "//");

	static LongStream acceptedPathsDecodeOnceToSafeSegments() {
		return RandomPaths.seeds("acceptedPathsDecodeOnceToSafeSegments");
	}

	/**
	 * The check never throws; what it accepts decodes once, as strict UTF-8, to segments that are neither
	 * {@code .} nor {@code ..}, hold no separator, {@code ;}, {@code %} or control character, and are not empty
	 * (except after a trailing '/').
	 */
	@ParameterizedTest(name = "seed {0}")
	@MethodSource
	void acceptedPathsDecodeOnceToSafeSegments(long seed) {
		Random random = new Random(seed);
		int accepted = 0;
		for (int run = 0; run < RandomPaths.PER_SEED; run++) {
			String path = GATEWAY_PATH + RandomPaths.rest(random);
			String problem = PathCheck.problem(path);
			if (problem != null) {
				assertThat(problem).as(context(seed, path)).isNotBlank();
				continue;
			}
			accepted++;
			List<String> segments = RandomPaths.decodedSegments(path);
			if (segments == null) {
				fail("accepted a path that is not a strict percent-encoding of UTF-8: %s", context(seed, path));
			}
			for (int i = 0; i < segments.size(); i++) {
				String segment = segments.get(i);
				assertThat(segment).as(context(seed, path)).isNotIn(".", "..");
				if (segment.isEmpty() && i < segments.size() - 1) {
					fail("accepted an empty segment: %s", context(seed, path));
				}
				segment.codePoints().forEach(c -> {
					if (c == '/' || c == '\\' || c == ';' || c == '%' || Character.isISOControl(c)) {
						fail("accepted a segment decoding to U+%04X: %s", c, context(seed, path));
					}
				});
			}
		}
		// Both outcomes must be common, or the generator tests nothing.
		assertThat(accepted).as("accepted paths of seed " + seed).isBetween(20, RandomPaths.PER_SEED - 20);
	}

	static LongStream pathsWithAKnownTraversalOrSmugglingFormAreRejected() {
		return RandomPaths.seeds("pathsWithAKnownTraversalOrSmugglingFormAreRejected");
	}

	/**
	 * An oracle written independently of the check: encoded dots, separators, semicolons and percent signs,
	 * raw backslashes and semicolons, control and non-ASCII characters, overlong or surrogate UTF-8, encoded
	 * unreserved characters, {@code .} and {@code ..} segments and empty segments are always refused.
	 */
	@ParameterizedTest(name = "seed {0}")
	@MethodSource
	void pathsWithAKnownTraversalOrSmugglingFormAreRejected(long seed) {
		Random random = new Random(seed);
		int hostile = 0;
		for (int run = 0; run < RandomPaths.PER_SEED; run++) {
			String path = GATEWAY_PATH + RandomPaths.rest(random);
			if (isKnownHostile(path)) {
				hostile++;
				assertThat(PathCheck.problem(path)).as(context(seed, path)).isNotNull();
			}
		}
		assertThat(hostile).as("hostile paths of seed " + seed).isGreaterThan(RandomPaths.PER_SEED / 4);
	}

	private static boolean isKnownHostile(String path) {
		String lower = path.toLowerCase(Locale.ROOT);
		for (String form : HOSTILE) {
			if (lower.contains(form)) {
				return true;
			}
		}
		for (int i = 0; i < path.length(); i++) {
			char c = path.charAt(i);
			if (c < 0x21 || c >= 0x7f || "\"<>{}|^`[]#?".indexOf(c) >= 0) {
				return true;
			}
		}
		String[] segments = path.substring(1).split("/", -1);
		for (String segment : segments) {
			if (segment.equals(".") || segment.equals("..")) {
				return true;
			}
		}
		return false;
	}

	private static String context(long seed, String path) {
		return "seed " + seed + " (base seed " + RandomPaths.BASE_SEED + "), path '" + RandomPaths.show(path) + "'";
	}

}
