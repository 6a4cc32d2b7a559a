package com.infosysta.gateway.cors;

import java.util.Collection;
import java.util.List;
import java.util.Set;

import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;

import com.infosysta.gateway.auth.AppCatalog;
import com.infosysta.gateway.auth.AppDefinition;
import com.infosysta.gateway.problem.ProblemType;
import com.infosysta.gateway.tenant.Tenant;
import com.infosysta.gateway.tenant.TenantRegistry;

/**
 * Which browser origins may call a path: a tenant's {@code cors-origins} on {@code /jira/{tenant}/…}, an app's
 * on {@code /apps/{app}/…}, nothing anywhere else. Looked up per request in the registry version in force, so a
 * reload changes the answer at once. Only the one path segment that names the tenant or app takes part.
 */
public final class CorsPolicy {

	/**
	 * Exchange attribute, set when the gateway answered a preflight itself: the answer's CORS headers (or their
	 * absence, for a refusal) are final and come from no upstream.
	 */
	public static final String PREFLIGHT_ANSWERED_ATTRIBUTE = CorsPolicy.class.getName() + ".preflightAnswered";

	/** The methods the guard lets through: a preflight may ask for any of them. */
	static final List<String> ALLOWED_METHODS = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

	static final String ALLOW_METHODS = String.join(", ", ALLOWED_METHODS);

	/** What a browser script may read from an answer besides the CORS-safelisted headers. */
	static final String EXPOSE_HEADERS = "X-Request-Id, Retry-After, RateLimit, RateLimit-Policy, RateLimit-Reason,"
			+ " X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset";

	private final String jiraPrefix;

	private final String appsPrefix;

	private final TenantRegistry tenants;

	private final AppCatalog apps;

	private final CorsProperties properties;

	private final Set<String> allowedHeaders;

	/**
	 * @param jiraPrefix the {@code /jira/} route family's prefix, ending with a slash
	 * @param appsPrefix the {@code /apps/} route family's prefix, ending with a slash
	 */
	public CorsPolicy(String jiraPrefix, String appsPrefix, TenantRegistry tenants, AppCatalog apps,
			CorsProperties properties) {
		this.jiraPrefix = jiraPrefix;
		this.appsPrefix = appsPrefix;
		this.tenants = tenants;
		this.apps = apps;
		this.properties = properties;
		this.allowedHeaders = Set.copyOf(properties.allowedHeaders());
	}

	/**
	 * @return the route the path names, or {@code null} when it is under no route family
	 */
	Target target(String rawPath) {
		if (rawPath == null) {
			return null;
		}
		if (rawPath.startsWith(this.jiraPrefix)) {
			String id = segment(rawPath, this.jiraPrefix.length());
			Tenant tenant = isId(id) ? this.tenants.tenant(id) : null;
			return (tenant != null) ? new Target(null, tenant.corsOrigins()) : Target.UNKNOWN_TENANT;
		}
		if (rawPath.startsWith(this.appsPrefix)) {
			String id = segment(rawPath, this.appsPrefix.length());
			AppDefinition app = isId(id) ? this.apps.app(id) : null;
			return (app != null) ? new Target(null, app.corsOrigins()) : Target.UNKNOWN_APP;
		}
		return null;
	}

	/**
	 * @return the request's one {@code Origin} when the path's route lets it call, otherwise {@code null}
	 */
	String allowedOrigin(ServerHttpRequest request) {
		String origin = origin(request);
		if (origin == null) {
			return null;
		}
		Target target = target(request.getURI().getRawPath());
		return (target != null && target.allows(origin)) ? origin : null;
	}

	/** The request's {@code Origin}, or {@code null} when it has none or more than one. */
	static String origin(ServerHttpRequest request) {
		List<String> origins = request.getHeaders().get(HttpHeaders.ORIGIN);
		return (origins != null && origins.size() == 1) ? origins.get(0) : null;
	}

	boolean allowsHeader(String lowerCaseName) {
		return this.allowedHeaders.contains(lowerCaseName);
	}

	CorsProperties properties() {
		return this.properties;
	}

	private static String segment(String path, int start) {
		int end = path.indexOf('/', start);
		return path.substring(start, (end < 0) ? path.length() : end);
	}

	private static boolean isId(String id) {
		int length = id.length();
		if (length == 0 || length > 63) {
			return false;
		}
		for (int i = 0; i < length; i++) {
			char c = id.charAt(i);
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
				return false;
			}
		}
		return true;
	}

	/**
	 * @param unknown the problem when the path names no tenant or app, else {@code null}
	 * @param origins the origins that may call it
	 */
	record Target(ProblemType unknown, Collection<String> origins) {

		static final Target UNKNOWN_TENANT = new Target(ProblemType.UNKNOWN_TENANT, Set.of());

		static final Target UNKNOWN_APP = new Target(ProblemType.UNKNOWN_APP, Set.of());

		boolean allows(String origin) {
			return this.origins.contains(origin);
		}

	}

}
