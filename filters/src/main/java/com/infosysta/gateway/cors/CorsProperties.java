package com.infosysta.gateway.cors;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the gateway answers browsers (CORS) on every route family. Which origins may call is not here: that is
 * per tenant ({@code cors-origins} in the registry) and per app ({@code infosysta.gateway.apps.<id>.cors-origins}).
 *
 * @param allowCredentials send {@code Access-Control-Allow-Credentials: true}, letting a browser attach its
 * cookies or HTTP authentication; off by default, because the gateway's clients send their credential in
 * {@code Authorization} themselves and the gateway sets no cookies
 * @param maxAge how long a browser may reuse a preflight answer (browsers cap it: Chromium at 2 hours)
 * @param allowedHeaders the request headers a browser may send; a preflight asking for any other is refused
 */
@ConfigurationProperties("infosysta.gateway.cors")
public record CorsProperties(@DefaultValue("false") boolean allowCredentials, @DefaultValue("10m") Duration maxAge,
		@DefaultValue({ "Accept", "Accept-Language", "Authorization", "Content-Language", "Content-Type",
				"X-Atlassian-Token", "X-ExperimentalApi", "X-Request-Id", "traceparent",
				"tracestate" }) List<String> allowedHeaders) {

	private static final String PREFIX = "infosysta.gateway.cors.";

	private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

	public CorsProperties {
		if (maxAge == null || maxAge.isNegative() || maxAge.compareTo(Duration.ofHours(24)) > 0) {
			throw new IllegalArgumentException(PREFIX + "max-age: " + maxAge + " (expected: 0s to 24h)");
		}
		allowedHeaders = (allowedHeaders != null) ? allowedHeaders : List.of();
		Set<String> names = new LinkedHashSet<>();
		for (String name : allowedHeaders) {
			if (name == null || !TOKEN.matcher(name).matches() || name.contains("*")) {
				throw new IllegalArgumentException(PREFIX + "allowed-headers: '" + name + "' (expected: a header name;"
						+ " no wildcard)");
			}
			names.add(name.toLowerCase(Locale.ROOT));
		}
		allowedHeaders = List.copyOf(names);
	}

}
