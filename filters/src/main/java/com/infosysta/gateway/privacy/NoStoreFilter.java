package com.infosysta.gateway.privacy;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Keeps the promise that no client data is stored: every answer the gateway gives, proxied or its own, tells
 * clients and intermediaries not to store it ({@code Cache-Control: no-store}) and carries no
 * {@code Set-Cookie}, so a Jira session never lands in a client under the gateway's name. Runs first, so it
 * applies even to requests the guard refuses. Cannot fail.
 */
public final class NoStoreFilter implements WebFilter, Ordered {

	public static final int ORDER = Ordered.HIGHEST_PRECEDENCE;

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		ServerHttpResponse response = exchange.getResponse();
		response.beforeCommit(() -> {
			HttpHeaders headers = response.getHeaders();
			headers.set(HttpHeaders.CACHE_CONTROL, "no-store");
			headers.remove(HttpHeaders.SET_COOKIE);
			headers.remove("Set-Cookie2");
			// Cookies added through the ResponseCookie API become headers only after these actions run.
			response.getCookies().clear();
			return Mono.empty();
		});
		return chain.filter(exchange);
	}

}
