package com.infosysta.gateway.ratelimit;

import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import com.infosysta.gateway.guard.RequestGuardFilter;
import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.problem.ProblemType;

/**
 * The brute-force guard, part of step one: a client address that has failed to authenticate too often gets
 * 429 before any verification work is done for it. Failures are every 401 it receives (the gateway's own and
 * the tenant's Jira's, which is how wrong Basic passwords count) and every unknown tenant or app (so tenant
 * names cannot be enumerated quickly). Counted per replica, in memory. Fails open when the client address is
 * unknown: there is nothing to key on.
 */
public final class FailedAuthenticationGuard implements WebFilter, Ordered {

	public static final int ORDER = RequestGuardFilter.ORDER + 10;

	private final TokenBuckets buckets;

	private final Limit limit;

	private final RateLimitMetrics metrics;

	private final ProblemResponseWriter problems;

	public FailedAuthenticationGuard(TokenBuckets buckets, Limit limit, MeterRegistry meters,
			ProblemResponseWriter problems) {
		this.buckets = buckets;
		this.limit = limit;
		this.metrics = new RateLimitMetrics(meters);
		this.problems = problems;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		String client = exchange.getAttribute(RequestGuardFilter.CLIENT_ADDRESS_ATTRIBUTE);
		if (client == null) {
			return chain.filter(exchange);
		}
		String key = "f:" + client;
		// Looked at on entry, charged on failure. Taking a token per attempt would refuse any address with more
		// calls in flight than the burst (an office behind one NAT), which is worse than letting one round of
		// concurrent guesses through.
		long left = this.buckets.peek(key, this.limit);
		if (left < 0) {
			this.metrics.refused(RateLimitStore.Scope.FAILED_AUTH);
			exchange.getResponse().getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(seconds(-left)));
			return this.problems.write(exchange, ProblemType.TOO_MANY_FAILED_AUTHENTICATIONS,
					"Too many failed authentications from this address; retry later.");
		}
		ServerHttpResponse response = exchange.getResponse();
		response.beforeCommit(() -> {
			if (isFailure(exchange, response.getStatusCode())) {
				this.buckets.tryAcquire(key, this.limit);
			}
			return Mono.empty();
		});
		return chain.filter(exchange);
	}

	private static boolean isFailure(ServerWebExchange exchange, HttpStatusCode status) {
		if (status != null && status.value() == 401) {
			return true;
		}
		Object problem = exchange.getAttribute(ProblemResponseWriter.PROBLEM_TYPE_ATTRIBUTE);
		return problem == ProblemType.UNKNOWN_TENANT || problem == ProblemType.UNKNOWN_APP;
	}

	static long seconds(long nanos) {
		return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
	}

}
