package com.infosysta.gateway.upstream;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

import com.infosysta.gateway.tenant.Tenant;
import com.infosysta.gateway.tenant.TenantResolutionFilter;

/**
 * Which response headers reach the client from the upstream: no {@code Set-Cookie}, and a {@code Location}
 * under the base URL the call went to rewritten to the gateway's {@code /jira/{tenant}} path, so a client
 * keeps talking to the gateway and never learns to bypass it. Other {@code Location}s pass unchanged.
 */
public final class UpstreamResponseHeadersFilter implements HttpHeadersFilter, Ordered {

	private final String routePrefix;

	/**
	 * @param routePrefix the route family's prefix, e.g. {@code /jira/}
	 */
	public UpstreamResponseHeadersFilter(String routePrefix) {
		this.routePrefix = routePrefix;
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public boolean supports(Type type) {
		return type == Type.RESPONSE;
	}

	@Override
	public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
		input.remove(HttpHeaders.SET_COOKIE);
		String location = input.getFirst(HttpHeaders.LOCATION);
		String base = exchange.getAttribute(UpstreamRequestFilter.UPSTREAM_BASE_ATTRIBUTE);
		Tenant tenant = exchange.getAttribute(TenantResolutionFilter.TENANT_ATTRIBUTE);
		if (location != null && base != null && tenant != null) {
			input.set(HttpHeaders.LOCATION, LocationRewrite.rewrite(location, base, this.routePrefix + tenant.id()));
		}
		return input;
	}

}
