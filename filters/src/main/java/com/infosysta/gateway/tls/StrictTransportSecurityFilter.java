package com.infosysta.gateway.tls;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import com.infosysta.gateway.privacy.NoStoreFilter;

/**
 * Tells browsers to reach the gateway over HTTPS only ({@code Strict-Transport-Security}), on every answer sent
 * over TLS (or on every answer, see {@link HstsProperties}). Whether a request came over TLS is decided by the
 * connection, never by a header such as {@code X-Forwarded-Proto}. Set when the answer is committed, so it
 * replaces whatever an upstream sent for its own host. Runs early, so refusals carry it too; cannot fail.
 */
public final class StrictTransportSecurityFilter implements WebFilter, Ordered {

	public static final int ORDER = NoStoreFilter.ORDER + 2;

	static final String HEADER = "Strict-Transport-Security";

	private final HstsProperties.Mode mode;

	private final String value;

	public StrictTransportSecurityFilter(HstsProperties properties) {
		this.mode = properties.mode();
		this.value = properties.headerValue();
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		boolean send = this.mode == HstsProperties.Mode.ALWAYS
				|| (this.mode == HstsProperties.Mode.TLS && exchange.getRequest().getSslInfo() != null);
		ServerHttpResponse response = exchange.getResponse();
		response.beforeCommit(() -> {
			if (send) {
				response.getHeaders().set(HEADER, this.value);
			}
			else {
				// Only the gateway speaks for its host: an upstream's HSTS is about the upstream's.
				response.getHeaders().remove(HEADER);
			}
			return Mono.empty();
		});
		return chain.filter(exchange);
	}

}
