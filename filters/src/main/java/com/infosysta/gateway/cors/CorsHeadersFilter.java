package com.infosysta.gateway.cors;

import java.util.List;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import com.infosysta.gateway.privacy.NoStoreFilter;

/**
 * The gateway owns CORS: on every answer, proxied or its own, it removes every CORS response field
 * (an upstream's included) and, when the request's {@code Origin} may call the route ({@link CorsPolicy}), adds
 * {@code Access-Control-Allow-Origin} with that exact origin, the headers a script may read
 * ({@code X-Request-Id}, {@code Retry-After}, the rate-limit fields) and {@code Vary: Origin}. Any other origin
 * gets no CORS header at all. Preflights are answered by {@link CorsPreflightFilter}.
 * <p>
 * Runs right after the privacy filter, before the guard, so that the guard's and the brute-force guard's own
 * answers (400, 405, 429 with {@code Retry-After}) are readable by an allowed browser script too. Fails closed:
 * without a match nothing is added.
 */
public final class CorsHeadersFilter implements WebFilter, Ordered {

	public static final int ORDER = NoStoreFilter.ORDER + 5;

	/** Every response field the CORS protocol defines (Fetch standard, 3.2.3); the rest are request fields. */
	private static final List<String> RESPONSE_FIELDS = List.of(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN,
			HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS, HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS,
			HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS, HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS,
			HttpHeaders.ACCESS_CONTROL_MAX_AGE);

	private final CorsPolicy policy;

	public CorsHeadersFilter(CorsPolicy policy) {
		this.policy = policy;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		// Decided on entry, against the registry version in force when the request arrived.
		String origin = this.policy.allowedOrigin(exchange.getRequest());
		ServerHttpResponse response = exchange.getResponse();
		response.beforeCommit(() -> {
			if (exchange.getAttribute(CorsPolicy.PREFLIGHT_ANSWERED_ATTRIBUTE) == null) {
				apply(response.getHeaders(), origin);
			}
			return Mono.empty();
		});
		return chain.filter(exchange);
	}

	private void apply(HttpHeaders headers, String origin) {
		// The response fields of CORS, by name: removing six names is a few hash lookups, where listing every
		// field of the answer to find them cost a case-insensitive copy of the names on every call. An upstream's
		// Access-Control-* fields, whatever their name, never get this far (UpstreamHeaders.toClient).
		for (String name : RESPONSE_FIELDS) {
			headers.remove(name);
		}
		if (origin == null) {
			return;
		}
		headers.set(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
		headers.set(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS, CorsPolicy.EXPOSE_HEADERS);
		if (this.policy.properties().allowCredentials()) {
			headers.set(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
		}
		addVary(headers, HttpHeaders.ORIGIN);
	}

	static void addVary(HttpHeaders headers, String name) {
		List<String> vary = headers.get(HttpHeaders.VARY);
		if (vary != null) {
			for (String line : vary) {
				for (String value : line.split(",")) {
					if (value.trim().equalsIgnoreCase(name) || value.trim().equals("*")) {
						return;
					}
				}
			}
		}
		headers.add(HttpHeaders.VARY, name);
	}

}
