package com.infosysta.gateway.upstream;

import java.util.Locale;
import java.util.Set;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

import com.infosysta.gateway.guard.RequestGuardFilter;
import com.infosysta.gateway.observe.CallTimings;
import com.infosysta.gateway.observe.TraceContext;
import com.infosysta.gateway.problem.ProblemResponseWriter;

/**
 * Which request headers reach the upstream, beyond Spring Cloud Gateway's own hop-by-hop and forwarded-header
 * filters: no cookies (nothing of a client session is passed on), no header a client could use to speak for
 * the gateway ({@code X-Infosysta-*}) or to change the method, Forge's {@code x-forge-oauth-*} tokens only towards
 * an app backend, the gateway's request id for correlation, and last the credential the upstream step chose
 * ({@link OutboundCredential}).
 */
public final class UpstreamRequestHeadersFilter implements HttpHeadersFilter, Ordered {

	private static final Set<String> DROPPED = Set.of("cookie", "proxy-connection", "x-real-ip",
			"x-http-method-override", "x-http-method", "x-method-override", "x-request-id", "traceparent",
			"tracestate");

	private static final String GATEWAY_PREFIX = "x-infosysta-";

	private static final String FORGE_PREFIX = "x-forge-oauth-";

	@Override
	public int getOrder() {
		// After the hop-by-hop filter (LOWEST_PRECEDENCE - 1): a name listed in Connection cannot remove what
		// this filter adds.
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public boolean supports(Type type) {
		return type == Type.REQUEST;
	}

	@Override
	public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
		OutboundCredential credential = exchange.getAttribute(OutboundCredential.ATTRIBUTE);
		boolean keepForgeHeaders = credential != null && credential.keepForgeHeaders();
		HttpHeaders filtered = new HttpHeaders();
		for (String name : input.headerNames()) {
			String lower = name.toLowerCase(Locale.ROOT);
			if (!DROPPED.contains(lower) && !lower.startsWith(GATEWAY_PREFIX)
					&& (keepForgeHeaders || !lower.startsWith(FORGE_PREFIX))) {
				filtered.addAll(name, input.getValuesAsList(name));
			}
		}
		String requestId = exchange.getAttribute(ProblemResponseWriter.REQUEST_ID_ATTRIBUTE);
		if (requestId != null) {
			filtered.set(RequestGuardFilter.REQUEST_ID_HEADER, requestId);
		}
		// The upstream's parent is the gateway's span of the client's trace (or of the trace the gateway started).
		TraceContext trace = exchange.getAttribute(TraceContext.ATTRIBUTE);
		if (trace != null) {
			filtered.set(TraceContext.TRACEPARENT, trace.traceparent());
			if (trace.traceState() != null) {
				filtered.set(TraceContext.TRACESTATE, trace.traceState());
			}
		}
		CallTimings.upstreamStarts(exchange);
		if (credential != null) {
			// Set last: the client's token is replaced, never forwarded, on routes that sign their own.
			filtered.remove(HttpHeaders.AUTHORIZATION);
			if (credential.authorization() != null) {
				filtered.set(HttpHeaders.AUTHORIZATION, credential.authorization());
			}
			credential.headers().forEach(filtered::set);
		}
		return filtered;
	}

}
