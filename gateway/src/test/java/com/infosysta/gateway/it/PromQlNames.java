package com.infosysta.gateway.it;

import java.util.ArrayList;
import java.util.List;
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

	private static final Pattern SELECTOR = Pattern.compile("(?<![\\w.:$])([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*\\{([^}]*)}");

	private static final Pattern LABEL_MATCHER = Pattern
		.compile("([a-zA-Z_]\\w*)\\s*(=~|!~|!=|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

	private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring",
			"group_left", "group_right", "bool", "offset", "start", "end", "inf", "nan");

	/** One label matcher of a selector, e.g. {@code status="5xx"}: label, operator and the value as written. */
	record LabelMatcher(String label, String operator, String value) {
	}

	/** A series selector with label matchers, e.g. {@code up{job="infosysta-gateway"}}. */
	record Selector(String metric, List<LabelMatcher> matchers) {
	}

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

	/** The selectors that carry label matchers; names without braces carry none to check. */
	static List<Selector> selectors(String expression) {
		List<Selector> selectors = new ArrayList<>();
		Matcher selector = SELECTOR.matcher(expression);
		while (selector.find()) {
			List<LabelMatcher> matchers = new ArrayList<>();
			Matcher matcher = LABEL_MATCHER.matcher(selector.group(2));
			while (matcher.find()) {
				matchers.add(new LabelMatcher(matcher.group(1), matcher.group(2), matcher.group(3)));
			}
			selectors.add(new Selector(selector.group(1), matchers));
		}
		return selectors;
	}

}
