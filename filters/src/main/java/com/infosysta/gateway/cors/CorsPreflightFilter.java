package com.infosysta.gateway.cors;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.problem.ProblemType;
import com.infosysta.gateway.ratelimit.FailedAuthenticationGuard;

/**
 * Answers a browser's CORS preflight ({@code OPTIONS} with {@code Origin} and
 * {@code Access-Control-Request-Method}) itself: it never reaches an upstream and needs no credential. From an
 * origin the route lets call ({@link CorsPolicy}), asking for a method the gateway forwards and only allowed
 * request headers, the answer is {@code 204} with {@code Access-Control-Allow-Origin} (the exact origin),
 * {@code -Methods}, {@code -Headers} (those asked for), {@code -Max-Age} and {@code Vary}. Anything else is
 * {@code 403 cors-not-allowed} without any CORS header, which a browser reports as a failed preflight and a
 * person can read in the network log. A preflight to an unknown tenant or app gets the same {@code 404} as any
 * other call there, and counts against the client address like one, so preflights are no faster way to
 * enumerate tenants.
 * <p>
 * Runs after the guard (request id, path check) and the brute-force guard. Fails closed.
 */
public final class CorsPreflightFilter implements WebFilter, Ordered {

	public static final int ORDER = FailedAuthenticationGuard.ORDER + 5;

	private static final String VARY = HttpHeaders.ORIGIN + ", " + HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD + ", "
			+ HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS;

	private final CorsPolicy policy;

	private final ProblemResponseWriter problems;

	private final String maxAge;

	public CorsPreflightFilter(CorsPolicy policy, ProblemResponseWriter problems) {
		this.policy = policy;
		this.problems = problems;
		this.maxAge = Long.toString(policy.properties().maxAge().toSeconds());
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		ServerHttpRequest request = exchange.getRequest();
		HttpHeaders headers = request.getHeaders();
		if (request.getMethod() != HttpMethod.OPTIONS || !headers.containsHeader(HttpHeaders.ORIGIN)
				|| !headers.containsHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD)) {
			return chain.filter(exchange);
		}
		CorsPolicy.Target target = this.policy.target(request.getURI().getRawPath());
		if (target == null) {
			// Under no route family: the unknown-route answer follows, as for any other call.
			return chain.filter(exchange);
		}
		exchange.getAttributes().put(CorsPolicy.PREFLIGHT_ANSWERED_ATTRIBUTE, Boolean.TRUE);
		if (target.unknown() == ProblemType.UNKNOWN_TENANT) {
			return this.problems.write(exchange, ProblemType.UNKNOWN_TENANT, "No tenant is registered under this"
					+ " name.");
		}
		if (target.unknown() == ProblemType.UNKNOWN_APP) {
			return this.problems.write(exchange, ProblemType.UNKNOWN_APP, "No app is configured under this name.");
		}
		String origin = CorsPolicy.origin(request);
		if (origin == null || !target.allows(origin)) {
			return refuse(exchange, "This origin may not call this route from a browser.");
		}
		List<String> methods = headers.get(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD);
		if (methods == null || methods.size() != 1 || !CorsPolicy.ALLOWED_METHODS.contains(methods.get(0))) {
			return refuse(exchange, "The gateway does not take this method from browsers.");
		}
		List<String> requested = requestedHeaders(headers);
		if (requested == null) {
			return refuse(exchange, "A requested header is not allowed from browsers.");
		}
		ServerHttpResponse response = exchange.getResponse();
		HttpHeaders answer = response.getHeaders();
		answer.set(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
		answer.set(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS, CorsPolicy.ALLOW_METHODS);
		if (!requested.isEmpty()) {
			answer.set(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS, String.join(", ", requested));
		}
		answer.set(HttpHeaders.ACCESS_CONTROL_MAX_AGE, this.maxAge);
		if (this.policy.properties().allowCredentials()) {
			answer.set(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
		}
		answer.set(HttpHeaders.VARY, VARY);
		response.setStatusCode(HttpStatus.NO_CONTENT);
		return response.setComplete();
	}

	/**
	 * @return the requested header names in lower case, empty when none were asked for, {@code null} when one
	 * of them is not allowed
	 */
	private List<String> requestedHeaders(HttpHeaders headers) {
		List<String> lines = headers.get(HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS);
		List<String> names = new ArrayList<>();
		if (lines == null) {
			return names;
		}
		for (String line : lines) {
			for (String item : line.split(",")) {
				String name = item.trim().toLowerCase(Locale.ROOT);
				if (name.isEmpty()) {
					continue;
				}
				if (!this.policy.allowsHeader(name)) {
					return null;
				}
				if (!names.contains(name)) {
					names.add(name);
				}
			}
		}
		return names;
	}

	private Mono<Void> refuse(ServerWebExchange exchange, String detail) {
		return this.problems.write(exchange, ProblemType.CORS_NOT_ALLOWED, detail);
	}

}
