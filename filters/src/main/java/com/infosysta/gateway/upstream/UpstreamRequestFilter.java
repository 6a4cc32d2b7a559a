package com.infosysta.gateway.upstream;


import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.problem.ProblemType;
import com.infosysta.gateway.tenant.BaseUrl;
import com.infosysta.gateway.tenant.Deployment;
import com.infosysta.gateway.tenant.Tenant;
import com.infosysta.gateway.tenant.TenantResolutionFilter;

/**
 * Step five on {@code /jira/{tenant}/…}: the target is the tenant's registered base URL plus the rest of the
 * path and the query, byte for byte as the client sent them (both already passed the guard's checks). For a
 * Cloud tenant called with an OAuth bearer the target is Atlassian's API host instead. Scheme, host and port
 * never come from the request. Fails closed: without a resolved tenant nothing is forwarded.
 */
public final class UpstreamRequestFilter implements GatewayFilter, Ordered {

	/** After Spring Cloud Gateway's own route-to-URL filter, which would otherwise overwrite the target. */
	public static final int ORDER = RouteToRequestUrlFilter.ROUTE_TO_URL_FILTER_ORDER + 100;

	private static final String BEARER = "Bearer ";

	private final String routePrefix;

	private final String apiBase;

	private final ProblemResponseWriter problems;

	/**
	 * @param routePrefix the route family's prefix, e.g. {@code /jira/}
	 * @param atlassianApiBase where OAuth calls to Cloud tenants go
	 */
	public UpstreamRequestFilter(String routePrefix, BaseUrl atlassianApiBase, ProblemResponseWriter problems) {
		this.routePrefix = routePrefix;
		this.apiBase = atlassianApiBase.toString() + "/ex/jira/";
		this.problems = problems;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		Tenant tenant = exchange.getAttribute(TenantResolutionFilter.TENANT_ATTRIBUTE);
		String restPath = exchange.getAttribute(TenantResolutionFilter.REST_PATH_ATTRIBUTE);
		if (tenant == null || restPath == null) {
			return this.problems.write(exchange, ProblemType.UNKNOWN_TENANT, "The path names no tenant.");
		}
		String base = base(tenant, exchange.getRequest().getHeaders());
		String query = UpstreamTarget.query(exchange);
		if (!UpstreamTarget.set(exchange, base, restPath, query, this.routePrefix + tenant.id())) {
			return this.problems.write(exchange, ProblemType.MALFORMED_REQUEST, "The query could not be read.");
		}
		return chain.filter(exchange);
	}

	private String base(Tenant tenant, HttpHeaders headers) {
		if (tenant.deployment() == Deployment.CLOUD && tenant.cloudId() != null) {
			String authorization = headers.getFirst(HttpHeaders.AUTHORIZATION);
			if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
				return this.apiBase + tenant.cloudId();
			}
		}
		return tenant.baseUrl().toString();
	}

}
