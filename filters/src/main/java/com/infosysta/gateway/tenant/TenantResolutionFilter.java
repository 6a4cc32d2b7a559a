package com.infosysta.gateway.tenant;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;

import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.problem.ProblemType;

/**
 * Step two on {@code /jira/{tenant}/…}: finds the tenant named by the path in the current registry. Fails
 * closed: an unknown tenant is 404 and a disabled one 403, and nothing in the request other than that one
 * path segment takes part in the choice. The rest of the path (still raw) is kept for the upstream request.
 */
public final class TenantResolutionFilter implements GatewayFilter, Ordered {

	public static final String TENANT_ATTRIBUTE = TenantResolutionFilter.class.getName() + ".tenant";

	/** The raw path after {@code /jira/{tenant}}: empty or starting with {@code /}. */
	public static final String REST_PATH_ATTRIBUTE = TenantResolutionFilter.class.getName() + ".restPath";

	public static final int ORDER = -1000;

	private final String routePrefix;

	private final TenantRegistry registry;

	private final ProblemResponseWriter problems;

	/**
	 * @param routePrefix the route family's prefix, e.g. {@code /jira/}, ending with a slash
	 */
	public TenantResolutionFilter(String routePrefix, TenantRegistry registry, ProblemResponseWriter problems) {
		if (!routePrefix.startsWith("/") || !routePrefix.endsWith("/")) {
			throw new IllegalArgumentException("routePrefix: '" + routePrefix + "' (expected: /name/)");
		}
		this.routePrefix = routePrefix;
		this.registry = registry;
		this.problems = problems;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		String path = exchange.getRequest().getURI().getRawPath();
		int start = this.routePrefix.length();
		if (path == null || !path.startsWith(this.routePrefix)) {
			return this.problems.write(exchange, ProblemType.UNKNOWN_TENANT, "The path names no tenant.");
		}
		int end = path.indexOf('/', start);
		if (end < 0) {
			end = path.length();
		}
		String id = path.substring(start, end);
		Tenant tenant = isTenantId(id) ? this.registry.tenant(id) : null;
		if (tenant == null) {
			return this.problems.write(exchange, ProblemType.UNKNOWN_TENANT, "No tenant is registered under this"
					+ " name.");
		}
		if (!tenant.enabled()) {
			return this.problems.write(exchange, ProblemType.TENANT_DISABLED, "This tenant is disabled.");
		}
		exchange.getAttributes().put(TENANT_ATTRIBUTE, tenant);
		exchange.getAttributes().put(REST_PATH_ATTRIBUTE, path.substring(end));
		return chain.filter(exchange);
	}

	static boolean isTenantId(String id) {
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

}
