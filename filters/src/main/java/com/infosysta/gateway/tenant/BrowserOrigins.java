package com.infosysta.gateway.tenant;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks the browser origins a route family lets call it (CORS allow-lists: a tenant's {@code cors-origins} in
 * the registry, an app's {@code infosysta.gateway.apps.<id>.cors-origins}). Runs at load only. An origin is
 * exactly {@code https://host[:port]} as a browser serializes it: no path (not even {@code /}), no user-info,
 * no wildcard and no {@code null}. A wildcard, even one restricted to subdomains, would trust every host a
 * dangling DNS record or a customer-controlled subdomain can serve, while the gateway's browser clients (mail
 * add-ins, app UIs) are served from a few fixed hosts; listing them costs one line each.
 */
public final class BrowserOrigins {

	private static final Pattern ORIGIN = Pattern.compile("([a-z][a-z0-9+.-]*)://([^/:?#@\\s]+)(?::(\\d{1,5}))?");

	private static final Pattern HOST_NAME = Pattern
		.compile("(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

	private static final String OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";

	private static final Pattern IPV4 = Pattern.compile(OCTET + "(\\." + OCTET + "){3}");

	private static final int MAX_ORIGINS = 100;

	private BrowserOrigins() {
	}

	/**
	 * @param values the configured list (strings)
	 * @param allowHttp whether {@code http://} origins are accepted (tests and the local demo only)
	 * @return the origins in the form a browser sends them (lower case, default port left out)
	 * @throws IllegalArgumentException naming the bad value and the rule
	 */
	public static Set<String> parse(List<?> values, boolean allowHttp) {
		if (values.size() > MAX_ORIGINS) {
			throw new IllegalArgumentException(values.size() + " origins (expected: at most " + MAX_ORIGINS + ")");
		}
		Set<String> origins = new LinkedHashSet<>();
		for (Object value : values) {
			if (!(value instanceof String text)) {
				throw new IllegalArgumentException("'" + value + "' is not a string (expected: https://host[:port])");
			}
			origins.add(canonical(text, allowHttp));
		}
		return Set.copyOf(origins);
	}

	static String canonical(String text, boolean allowHttp) {
		if (text.contains("*")) {
			throw new IllegalArgumentException("'" + text + "' has a wildcard (expected: each origin listed exactly,"
					+ " https://host[:port])");
		}
		String lower = text.toLowerCase(Locale.ROOT);
		Matcher matcher = ORIGIN.matcher(lower);
		if (!matcher.matches()) {
			throw new IllegalArgumentException("'" + text + "' is not an origin (expected: https://host[:port], no"
					+ " path, not even a trailing /)");
		}
		String scheme = matcher.group(1);
		if (!"https".equals(scheme) && !("http".equals(scheme) && allowHttp)) {
			String hint = "http".equals(scheme) ? "; http needs infosysta.gateway.upstream.allow-http=true" : "";
			throw new IllegalArgumentException("'" + text + "' is not allowed (expected: an https origin" + hint + ")");
		}
		String host = matcher.group(2);
		String lastLabel = host.substring(host.lastIndexOf('.') + 1);
		boolean ipv4 = IPV4.matcher(host).matches();
		if (!ipv4 && (!HOST_NAME.matcher(host).matches() || lastLabel.chars().allMatch(Character::isDigit))) {
			throw new IllegalArgumentException("'" + text + "' has a host that is not a plain DNS name or IPv4 address"
					+ " (expected: ASCII, internationalized names in their xn-- form)");
		}
		StringBuilder origin = new StringBuilder(scheme).append("://").append(host);
		if (matcher.group(3) != null) {
			int port = Integer.parseInt(matcher.group(3));
			if (port < 1 || port > 65535) {
				throw new IllegalArgumentException("'" + text + "' has port " + port + " (expected: 1 to 65535)");
			}
			// Browsers leave the scheme's default port out of the Origin header.
			boolean defaultPort = ("https".equals(scheme) && port == 443) || ("http".equals(scheme) && port == 80);
			if (!defaultPort) {
				origin.append(':').append(port);
			}
		}
		return origin.toString();
	}

}
