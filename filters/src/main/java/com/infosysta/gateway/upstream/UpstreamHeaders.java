package com.infosysta.gateway.upstream;

import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

import com.infosysta.gateway.guard.RequestGuardFilter;
import com.infosysta.gateway.observe.CallTimings;
import com.infosysta.gateway.observe.TraceContext;
import com.infosysta.gateway.problem.ProblemResponseWriter;

/**
 * Which headers cross the gateway, both ways, decided in one pass over each header block.
 * <p>
 * Towards the upstream: no hop-by-hop field (RFC 9110, 7.6.1: {@code Connection} and every field it names,
 * {@code Keep-Alive}, {@code Proxy-*}, {@code TE}, {@code Trailer}, {@code Transfer-Encoding}, {@code Upgrade}),
 * no {@code Host} (the client sets the target's), no {@code Content-Length} beside a {@code Transfer-Encoding}
 * (the body is re-framed), no {@code Forwarded} or {@code X-Forwarded-*} (nothing a client claims about its
 * address travels on), no cookies (nothing of a client session is passed on), no header a client could use to
 * speak for the gateway ({@code X-Infosysta-*}) or to change the method, Forge's {@code x-forge-oauth-*} tokens
 * only towards an app backend; then the gateway's request id and trace context, and last the credential the
 * upstream step chose ({@link OutboundCredential}), so nothing a client sends can remove or forge it.
 * <p>
 * Towards the client: no hop-by-hop field, no {@code Set-Cookie}, no {@code Access-Control-*} field (the gateway
 * alone answers CORS, {@code CorsHeadersFilter}; an upstream's would widen what a browser lets a page read, and
 * the upstream's fields are all seen here anyway), and a {@code Location} under the base URL the
 * call went to rewritten to the gateway's matching path ({@code /jira/{tenant}…}, {@code /apps/{app}/jira…}), so
 * a client keeps talking to the gateway and never learns to bypass it. Other {@code Location}s pass unchanged.
 * <p>
 * Spring Cloud Gateway applied the same rules through seven header filters, each copying the whole header block
 * into a new case-insensitive map; this class reads each block once and writes each kept field once. Names are
 * compared without regard to case and without lower-casing copies.
 */
public final class UpstreamHeaders {

	/** Fields that describe one connection, never the message (RFC 9110, 7.6.1), and Spring's own marker. */
	private static final Set<String> HOP_BY_HOP = ignoringCase("connection", "keep-alive", "proxy-connection",
			"proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
			"x-application-context");

	/** Further fields a client may not send on. */
	private static final Set<String> NOT_FORWARDED = ignoringCase("host", "forwarded", "cookie", "x-real-ip",
			"x-http-method-override", "x-http-method", "x-method-override", "x-request-id", "traceparent",
			"tracestate");

	private static final Set<String> NOT_RETURNED = ignoringCase("set-cookie", "set-cookie2");

	private static final String FORWARDED_PREFIX = "x-forwarded-";

	private static final String GATEWAY_PREFIX = "x-infosysta-";

	private static final String FORGE_PREFIX = "x-forge-oauth-";

	private static final String CORS_PREFIX = "access-control-";

	private UpstreamHeaders() {
	}

	/**
	 * Writes the header block to send upstream for the client's request.
	 * @param incoming the client's request headers
	 * @param exchange the call
	 * @param outgoing where the block is written: the upstream client's own headers, so the block is not copied
	 * again; expected empty
	 */
	public static void forUpstream(HttpHeaders incoming, ServerWebExchange exchange,
			io.netty.handler.codec.http.HttpHeaders outgoing) {
		OutboundCredential credential = exchange.getAttribute(OutboundCredential.ATTRIBUTE);
		boolean keepForgeHeaders = credential != null && credential.keepForgeHeaders();
		Set<String> options = connectionOptions(incoming.get(HttpHeaders.CONNECTION));
		boolean reframed = incoming.containsHeader(HttpHeaders.TRANSFER_ENCODING);
		// Set, not add: a name the client sent in two spellings is one field, listed once with all its values.
		incoming.asMultiValueMap().forEach((name, values) -> {
			if (!HOP_BY_HOP.contains(name) && !NOT_FORWARDED.contains(name) && !startsWith(name, FORWARDED_PREFIX)
					&& !startsWith(name, GATEWAY_PREFIX) && (keepForgeHeaders || !startsWith(name, FORGE_PREFIX))
					&& !(reframed && HttpHeaders.CONTENT_LENGTH.equalsIgnoreCase(name))
					&& (options == null || !options.contains(name))) {
				outgoing.set(name, values);
			}
		});
		String requestId = exchange.getAttribute(ProblemResponseWriter.REQUEST_ID_ATTRIBUTE);
		if (requestId != null) {
			outgoing.set(RequestGuardFilter.REQUEST_ID_HEADER, requestId);
		}
		// The upstream's parent is the gateway's span of the client's trace (or of the trace the gateway started).
		TraceContext trace = CallTimings.upstreamStarts(exchange);
		if (trace != null) {
			outgoing.set(TraceContext.TRACEPARENT, trace.traceparent());
			if (trace.traceState() != null) {
				outgoing.set(TraceContext.TRACESTATE, trace.traceState());
			}
		}
		if (credential != null) {
			// Set last: the client's token is replaced, never forwarded, on routes that sign their own.
			outgoing.remove(HttpHeaders.AUTHORIZATION);
			if (credential.authorization() != null) {
				outgoing.set(HttpHeaders.AUTHORIZATION, credential.authorization());
			}
			for (Map.Entry<String, String> header : credential.headers().entrySet()) {
				outgoing.set(header.getKey(), header.getValue());
			}
		}
	}

	/** Adds the upstream's response fields the client may see to {@code answer}. */
	public static void toClient(io.netty.handler.codec.http.HttpHeaders upstream, HttpHeaders answer,
			ServerWebExchange exchange) {
		CallTimings.upstreamAnswered(exchange);
		Set<String> options = connectionOptions(upstream.getAll(HttpHeaders.CONNECTION));
		Iterator<Map.Entry<String, String>> fields = upstream.iteratorAsString();
		while (fields.hasNext()) {
			Map.Entry<String, String> field = fields.next();
			String name = field.getKey();
			if (HOP_BY_HOP.contains(name) || NOT_RETURNED.contains(name) || startsWith(name, CORS_PREFIX)
					|| (options != null && options.contains(name))) {
				continue;
			}
			String value = field.getValue();
			if (HttpHeaders.LOCATION.equalsIgnoreCase(name)) {
				value = location(value, exchange);
			}
			answer.add(name, value);
		}
	}

	private static String location(String location, ServerWebExchange exchange) {
		UpstreamBase base = exchange.getAttribute(UpstreamBase.ATTRIBUTE);
		return (base != null) ? base.rewrite(location) : location;
	}

	/** The field names a {@code Connection} header lists, or {@code null} when there are none (the usual case). */
	private static Set<String> connectionOptions(List<String> connection) {
		if (connection == null || connection.isEmpty()) {
			return null;
		}
		if (connection.size() == 1 && isPlain(connection.get(0))) {
			return null;
		}
		Set<String> options = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
		for (String value : connection) {
			for (String option : value.split(",")) {
				String name = option.trim();
				if (!name.isEmpty()) {
					options.add(name);
				}
			}
		}
		return options;
	}

	/** {@code keep-alive} or {@code close} alone, what nearly every peer sends: no field named, nothing to drop. */
	private static boolean isPlain(String connection) {
		return "keep-alive".equalsIgnoreCase(connection) || "close".equalsIgnoreCase(connection);
	}

	private static boolean startsWith(String name, String lowerCasePrefix) {
		return name.regionMatches(true, 0, lowerCasePrefix, 0, lowerCasePrefix.length());
	}

	private static Set<String> ignoringCase(String... names) {
		Set<String> set = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
		set.addAll(List.of(names));
		return Collections.unmodifiableSet(set);
	}

}
