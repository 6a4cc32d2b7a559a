package com.infosysta.gateway.guard;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.problem.ProblemType;

/**
 * The first step of every request: give it a request id, then refuse methods, paths and header fields the
 * gateway never forwards. Fails closed: a request it cannot judge does not go on.
 * <p>
 * The request id is the client's {@code X-Request-Id} when that is a short token of safe characters (so a
 * mobile client can correlate its own logs), otherwise a fresh random one; it is on every answer.
 */
public final class RequestGuardFilter implements WebFilter, Ordered {

	public static final String REQUEST_ID_HEADER = "X-Request-Id";

	/** Exchange attribute: the client's key for address-based limits ({@link ClientAddresses}), or absent. */
	public static final String CLIENT_ADDRESS_ATTRIBUTE = RequestGuardFilter.class.getName() + ".clientAddress";

	/** Runs right after the privacy filter, so even a refusal here carries {@code no-store}. */
	public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 10;

	private static final Set<HttpMethod> ALLOWED_METHODS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST,
			HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE, HttpMethod.OPTIONS);

	private static final String ALLOW = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

	private static final int MAX_REQUEST_ID_LENGTH = 64;

	/** Fields a client may not name as connection options: the credential and what frames the message. */
	private static final Set<String> END_TO_END_FIELDS = Set.of("authorization", "host", "content-length",
			"content-type", "content-encoding");

	private static final char[] HEX = "0123456789abcdef".toCharArray();

	private final ProblemResponseWriter problems;

	private final ClientAddresses clientAddresses;

	public RequestGuardFilter(ProblemResponseWriter problems) {
		this(problems, new ClientAddresses(java.util.List.of()));
	}

	public RequestGuardFilter(ProblemResponseWriter problems, ClientAddresses clientAddresses) {
		this.problems = problems;
		this.clientAddresses = clientAddresses;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		ServerHttpRequest request = exchange.getRequest();
		String requestId = requestId(request.getHeaders().getFirst(REQUEST_ID_HEADER));
		exchange.getAttributes().put(ProblemResponseWriter.REQUEST_ID_ATTRIBUTE, requestId);
		String client = this.clientAddresses.clientKey(request);
		if (client != null) {
			exchange.getAttributes().put(CLIENT_ADDRESS_ATTRIBUTE, client);
		}
		ServerHttpResponse response = exchange.getResponse();
		response.beforeCommit(() -> {
			response.getHeaders().set(REQUEST_ID_HEADER, requestId);
			return Mono.empty();
		});
		if (!ALLOWED_METHODS.contains(request.getMethod())) {
			response.getHeaders().set(HttpHeaders.ALLOW, ALLOW);
			return this.problems.write(exchange, ProblemType.METHOD_NOT_ALLOWED,
					"The gateway forwards only " + ALLOW + ".");
		}
		String pathProblem = PathCheck.problem(request.getURI().getRawPath());
		if (pathProblem != null) {
			return this.problems.write(exchange, ProblemType.MALFORMED_PATH, pathProblem);
		}
		String headerProblem = headerProblem(request.getHeaders());
		if (headerProblem != null) {
			return this.problems.write(exchange, ProblemType.MALFORMED_REQUEST, headerProblem);
		}
		return chain.filter(exchange);
	}

	/**
	 * Header fields the gateway cannot forward faithfully. More than one {@code Host} is refused (RFC 9112,
	 * 3.2). A {@code Connection} option naming a field that is meant for every recipient (RFC 9110, 7.6.1) is
	 * refused rather than obeyed or ignored: obeying would strip the credential the gateway has just checked, or
	 * the body's framing, on the way upstream; ignoring would forward what the client asked to keep to the first
	 * hop.
	 */
	static String headerProblem(HttpHeaders headers) {
		List<String> hosts = headers.get(HttpHeaders.HOST);
		if (hosts != null && (hosts.size() > 1 || hosts.get(0).indexOf(',') >= 0)) {
			return "The request has more than one Host.";
		}
		List<String> connection = headers.get(HttpHeaders.CONNECTION);
		if (connection != null) {
			for (String value : connection) {
				for (String option : value.split(",")) {
					if (END_TO_END_FIELDS.contains(option.trim().toLowerCase(Locale.ROOT))) {
						return "The Connection header names a field that is not hop-by-hop.";
					}
				}
			}
		}
		return null;
	}

	static String requestId(String offered) {
		if (offered != null && isSafeToken(offered)) {
			return offered;
		}
		long high = ThreadLocalRandom.current().nextLong();
		long low = ThreadLocalRandom.current().nextLong();
		char[] id = new char[32];
		for (int i = 0; i < 16; i++) {
			id[i] = HEX[(int) (high >>> (60 - 4 * i)) & 0xf];
			id[16 + i] = HEX[(int) (low >>> (60 - 4 * i)) & 0xf];
		}
		return new String(id);
	}

	private static boolean isSafeToken(String value) {
		int length = value.length();
		if (length == 0 || length > MAX_REQUEST_ID_LENGTH) {
			return false;
		}
		for (int i = 0; i < length; i++) {
			char c = value.charAt(i);
			boolean safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
					|| c == '_' || c == '.' || c == ':';
			if (!safe) {
				return false;
			}
		}
		return true;
	}

}
