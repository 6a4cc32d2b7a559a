package com.infosysta.gateway.it;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads, found with a few regular expressions rather than a parser: enough
 * for the rules and dashboard we write, and strict enough that a name it misses would show up in review.
 *
 * <p>Strings, label matchers, ranges and grouping labels are blanked first; what remains is names, functions
 * (a name followed by {@code (}), keywords and numbers. Grafana's {@code $variables} are blanked too.
 */
final class PromQlNames {

	private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");

	private static final Pattern GRAFANA_VARIABLE = Pattern.compile("\\$\\{[^}]*}|\\$\\w+");

	private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");

	private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");

	private static final Pattern GROUPING = Pattern
		.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");

	/** A name not glued to a number ({@code 5m}, {@code 1e3}) or to another name. */
	private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.:$])[a-zA-Z_:][a-zA-Z0-9_:]*");

	private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring",
			"group_left", "group_right", "bool", "offset", "start", "end", "inf", "nan");

	private PromQlNames() {
	}

	static Set<String> of(String expression) {
		String text = STRING.matcher(expression).replaceAll(" ");
		text = GRAFANA_VARIABLE.matcher(text).replaceAll(" ");
		text = MATCHERS.matcher(text).replaceAll(" ");
		text = RANGE.matcher(text).replaceAll(" ");
		text = GROUPING.matcher(text).replaceAll(" ");
		Set<String> names = new TreeSet<>();
		Matcher identifier = IDENTIFIER.matcher(text);
		while (identifier.find()) {
			String name = identifier.group();
			boolean function = text.substring(identifier.end()).stripLeading().startsWith("(");
			if (!function && !KEYWORDS.contains(name.toLowerCase(Locale.ROOT))) {
				names.add(name);
			}
		}
		return names;
	}

}
