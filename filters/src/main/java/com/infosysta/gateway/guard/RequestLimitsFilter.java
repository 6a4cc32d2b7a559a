package com.infosysta.gateway.guard;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;

import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import com.infosysta.gateway.problem.GatewayProblemException;
import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.problem.ProblemType;

/**
 * The size limits Netty does not keep: the number of header fields (431) and the request body per route (413).
 * A declared {@code Content-Length} over the route's cap is refused here, before authentication and long before
 * any upstream connection. A body without a length (chunked, or HTTP/2 data) is counted as it streams, never
 * held: the buffer that crosses the cap fails the body, which aborts the upstream call mid-request (the upstream
 * never sees a complete request); the client gets 413 if no answer has started yet, otherwise its connection is
 * closed. Every 413 closes the connection, since the rest of the body is never read. Fails closed.
 */
public final class RequestLimitsFilter implements WebFilter, Ordered {

	/** Right after the guard: the request id is set, nothing has looked at credentials yet. */
	public static final int ORDER = RequestGuardFilter.ORDER + 5;

	private static final String TOO_LARGE_DETAIL = "The request body is larger than this route accepts.";

	private final ProblemResponseWriter problems;

	private final long maxBodySize;

	private final Map<String, Long> maxBodySizeByPrefix;

	private final int maxHeaderCount;

	/**
	 * @param limits the configured limits
	 * @param routePrefixes path prefix (e.g. {@code /jira/}) by route id, for the per-route body caps
	 */
	public RequestLimitsFilter(LimitsProperties limits, Map<String, String> routePrefixes,
			ProblemResponseWriter problems) {
		this.problems = problems;
		this.maxBodySize = limits.maxBodySize().toBytes();
		Map<String, Long> byPrefix = new LinkedHashMap<>();
		routePrefixes.forEach((id, prefix) -> byPrefix.put(prefix, limits.maxBodySize(id).toBytes()));
		this.maxBodySizeByPrefix = Map.copyOf(byPrefix);
		this.maxHeaderCount = limits.maxHeaderCount();
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		ServerHttpRequest request = exchange.getRequest();
		HttpHeaders headers = request.getHeaders();
		HttpServerRequest server = nettyRequest(request);
		if (headerCount(server, headers) > this.maxHeaderCount) {
			close(exchange.getResponse());
			return this.problems.write(exchange, ProblemType.HEADERS_TOO_LARGE,
					"The request has more header fields than the gateway accepts.");
		}
		long cap = maxBodySize(request.getPath().value());
		long declared = headers.getContentLength();
		if (declared > cap) {
			close(exchange.getResponse());
			return this.problems.write(exchange, ProblemType.BODY_TOO_LARGE, TOO_LARGE_DETAIL);
		}
		if (declared == 0 || (declared < 0 && hasNoBody(server, headers))) {
			return chain.filter(exchange);
		}
		ServerWebExchange counted = exchange.mutate().request(new CountedBody(request, cap)).build();
		return chain.filter(counted).onErrorResume(RequestLimitsFilter::isBodyTooLarge, failure -> {
			ServerHttpResponse response = exchange.getResponse();
			if (response.isCommitted()) {
				return Mono.error(failure);
			}
			response.getHeaders().clear();
			close(response);
			return this.problems.write(exchange, ProblemType.BODY_TOO_LARGE, TOO_LARGE_DETAIL);
		});
	}

	long maxBodySize(String path) {
		for (Map.Entry<String, Long> route : this.maxBodySizeByPrefix.entrySet()) {
			if (path.startsWith(route.getKey())) {
				return route.getValue();
			}
		}
		return this.maxBodySize;
	}

	/** The server's own request, when the gateway runs on Reactor Netty (not in unit tests on mock requests). */
	private static HttpServerRequest nettyRequest(ServerHttpRequest request) {
		try {
			Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
			return (nativeRequest instanceof HttpServerRequest server) ? server : null;
		}
		catch (IllegalArgumentException | IllegalStateException notFound) {
			return null;
		}
	}

	/**
	 * Header field lines, as received. Netty keeps one entry per line and counts them as it goes; Spring's view
	 * would first merge the names case-insensitively into a new set, on every call.
	 */
	private static int headerCount(HttpServerRequest server, HttpHeaders headers) {
		if (server != null) {
			return server.requestHeaders().size();
		}
		int count = 0;
		for (Map.Entry<String, List<String>> header : headers.headerSet()) {
			count += header.getValue().size();
		}
		return count;
	}

	/**
	 * An HTTP/1.x request with neither {@code Content-Length} nor {@code Transfer-Encoding} has no body (RFC 9112,
	 * 6.3), so there is nothing to count. HTTP/2 frames a body without either, so it is always counted there.
	 */
	private static boolean hasNoBody(HttpServerRequest server, HttpHeaders headers) {
		return server != null && server.version().majorVersion() == 1
				&& !headers.containsHeader(HttpHeaders.TRANSFER_ENCODING);
	}

	/** The rest of an over-long body is never read, so the connection cannot carry another request. */
	private static void close(ServerHttpResponse response) {
		response.getHeaders().set(HttpHeaders.CONNECTION, "close");
	}

	private static boolean isBodyTooLarge(Throwable failure) {
		for (Throwable current = failure; current != null; current = current.getCause()) {
			if (current instanceof GatewayProblemException problem
					&& problem.problemType() == ProblemType.BODY_TOO_LARGE) {
				return true;
			}
		}
		return false;
	}

	/** The request with its body counted as it streams, failed by the first buffer over the cap. */
	private static final class CountedBody extends ServerHttpRequestDecorator {

		private final long cap;

		CountedBody(ServerHttpRequest request, long cap) {
			super(request);
			this.cap = cap;
		}

		@Override
		public Flux<DataBuffer> getBody() {
			return Flux.defer(() -> {
				long[] total = new long[1];
				return super.getBody().handle((buffer, sink) -> {
					total[0] += buffer.readableByteCount();
					if (total[0] > this.cap) {
						DataBufferUtils.release(buffer);
						sink.error(new GatewayProblemException(ProblemType.BODY_TOO_LARGE, TOO_LARGE_DETAIL));
					}
					else {
						sink.next(buffer);
					}
				});
			});
		}

	}

}
