package com.infosysta.gateway.auth;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import org.springframework.http.HttpMethod;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;
import org.springframework.web.util.pattern.PatternParseException;

import com.infosysta.gateway.tenant.BaseUrl;
import com.infosysta.gateway.tenant.BrowserOrigins;
import com.infosysta.gateway.tenant.RegistryFileParser;
import com.infosysta.gateway.tenant.UpstreamAddressRules;

/**
 * The apps behind {@code /apps/{app}/…}, from {@code infosysta.gateway.apps.*}. Everything is validated at
 * start-up with messages naming the property; requests only look apps up.
 */
public final class AppCatalog {

	private static final Pattern ID = Pattern.compile("[a-z0-9-]{1,63}");

	private static final String ARI_PREFIX = "ari:cloud:ecosystem::app/";

	private static final int MIN_SECRET_BYTES = 32;

	private final Map<String, AppDefinition> apps;

	public AppCatalog(Map<String, AuthProperties.App> apps, UpstreamAddressRules rules) {
		Map<String, AppDefinition> definitions = new LinkedHashMap<>();
		apps.forEach((id, app) -> definitions.put(id, define(id, app, rules)));
		this.apps = Map.copyOf(definitions);
	}

	public AppDefinition app(String id) {
		return this.apps.get(id);
	}

	public Map<String, AppDefinition> apps() {
		return this.apps;
	}

	private static AppDefinition define(String id, AuthProperties.App app, UpstreamAddressRules rules) {
		String prefix = "infosysta.gateway.apps." + id + ".";
		if (!ID.matcher(id).matches()) {
			throw new IllegalArgumentException("infosysta.gateway.apps." + id + ": the app id is not valid"
					+ " (expected: [a-z0-9-]{1,63})");
		}
		if (app.key() == null || app.key().isBlank()) {
			throw new IllegalArgumentException(prefix + "key: missing (expected: the Connect app key)");
		}
		BaseUrl backend = null;
		byte[] backendSecret = null;
		if (app.backendUrl() != null) {
			backend = RegistryFileParser.parseBaseUrl(app.backendUrl().toString(), rules, prefix + "backend-url");
			if (app.backendSecret() == null) {
				throw new IllegalArgumentException(prefix + "backend-secret: missing (expected: at least "
						+ MIN_SECRET_BYTES + " bytes, because backend-url is set)");
			}
			backendSecret = app.backendSecret().getBytes(StandardCharsets.UTF_8);
			if (backendSecret.length < MIN_SECRET_BYTES) {
				throw new IllegalArgumentException(prefix + "backend-secret: " + backendSecret.length
						+ " bytes (expected: at least " + MIN_SECRET_BYTES + ")");
			}
		}
		String publicBaseUrl = null;
		if (app.publicBaseUrl() != null) {
			URI uri = app.publicBaseUrl();
			if (!uri.isAbsolute() || uri.getHost() == null) {
				throw new IllegalArgumentException(prefix + "public-base-url: '" + uri
						+ "' (expected: an absolute URL)");
			}
			publicBaseUrl = withoutTrailingSlash(uri.toString());
		}
		String forgeAudience = null;
		if (app.forgeAppId() != null) {
			String text = app.forgeAppId().startsWith(ARI_PREFIX) ? app.forgeAppId()
					: ARI_PREFIX + app.forgeAppId();
			try {
				String uuid = text.substring(ARI_PREFIX.length());
				if (!UUID.fromString(uuid).toString().equalsIgnoreCase(uuid)) {
					throw new IllegalArgumentException("not canonical");
				}
			}
			catch (IllegalArgumentException ex) {
				throw new IllegalArgumentException(prefix + "forge-app-id: '" + app.forgeAppId()
						+ "' (expected: ari:cloud:ecosystem::app/<uuid> or the UUID)");
			}
			forgeAudience = text;
		}
		List<AppDefinition.JiraCall> calls = new ArrayList<>();
		for (int i = 0; i < app.jiraCalls().size(); i++) {
			calls.add(jiraCall(app.jiraCalls().get(i), prefix + "jira-calls[" + i + "]"));
		}
		List<PathPattern> contextPaths = new ArrayList<>();
		for (int i = 0; i < app.contextPaths().size(); i++) {
			contextPaths.add(pattern(app.contextPaths().get(i), prefix + "context-paths[" + i + "]"));
		}
		List<String> corsOrigins;
		try {
			corsOrigins = List.copyOf(BrowserOrigins.parse(app.corsOrigins(), rules.allowHttp()));
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException(prefix + "cors-origins: " + ex.getMessage(), ex);
		}
		return new AppDefinition(id, app.key(), backend, backendSecret, publicBaseUrl, forgeAudience,
				List.copyOf(calls), List.copyOf(contextPaths), corsOrigins);
	}

	private static AppDefinition.JiraCall jiraCall(String entry, String property) {
		String[] parts = entry.trim().split("\\s+");
		if (parts.length != 2) {
			throw new IllegalArgumentException(property + ": '" + entry + "' (expected: METHOD /path/pattern, e.g."
					+ " GET /rest/api/3/issue/{key})");
		}
		HttpMethod method = null;
		if (!"*".equals(parts[0])) {
			String name = parts[0].toUpperCase(Locale.ROOT);
			if (!List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS").contains(name)) {
				throw new IllegalArgumentException(property + ": method '" + parts[0] + "' (expected: GET, HEAD, POST,"
						+ " PUT, PATCH, DELETE, OPTIONS or *)");
			}
			method = HttpMethod.valueOf(name);
		}
		return new AppDefinition.JiraCall(method, pattern(parts[1], property));
	}

	private static PathPattern pattern(String text, String property) {
		if (!text.startsWith("/")) {
			throw new IllegalArgumentException(property + ": '" + text
					+ "' (expected: a path pattern starting with /)");
		}
		try {
			return PathPatternParser.defaultInstance.parse(text);
		}
		catch (PatternParseException ex) {
			throw new IllegalArgumentException(property + ": '" + text + "' is not a valid path pattern ("
					+ ex.getMessage() + ")");
		}
	}

	private static String withoutTrailingSlash(String text) {
		String result = text;
		while (result.endsWith("/")) {
			result = result.substring(0, result.length() - 1);
		}
		return result;
	}

}
