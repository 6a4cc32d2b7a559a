package com.infosysta.gateway.upstream;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

import com.infosysta.gateway.observe.CallTimings;


/**
 * Which response headers reach the client from the upstream: no {@code Set-Cookie}, and a {@code Location}
 * under the base URL the call went to rewritten to the gateway's matching path ({@code /jira/{tenant}…},
 * {@code /apps/{app}/jira…}), so a client
 * keeps talking to the gateway and never learns to bypass it. Other {@code Location}s pass unchanged.
 */
public final class UpstreamResponseHeadersFilter implements HttpHeadersFilter, Ordered {

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
		CallTimings.upstreamAnswered(exchange);
		input.remove(HttpHeaders.SET_COOKIE);
		String location = input.getFirst(HttpHeaders.LOCATION);
		String base = exchange.getAttribute(UpstreamRequestFilter.UPSTREAM_BASE_ATTRIBUTE);
		String gatewayPath = exchange.getAttribute(UpstreamRequestFilter.GATEWAY_PATH_ATTRIBUTE);
		if (location != null && base != null && gatewayPath != null) {
			input.set(HttpHeaders.LOCATION, LocationRewrite.rewrite(location, base, gatewayPath));
		}
		return input;
	}

}
