package com.infosysta.gateway.problem;

import java.nio.charset.StandardCharsets;

import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;

/**
 * The one place that writes the gateway's own answers: RFC 9457 {@code application/problem+json} with the
 * request id as {@code instance} and a stable {@code reason}. The body is built from gateway-authored strings
 * only, so nothing a client sent is ever echoed back.
 */
public final class ProblemResponseWriter {

	/** Exchange attribute holding the request id, set by the guard before anything can fail. */
	public static final String REQUEST_ID_ATTRIBUTE = ProblemResponseWriter.class.getName() + ".requestId";

	/** Exchange attribute: the problem type answered, for filters that react to answers (the failed-auth guard). */
	public static final String PROBLEM_TYPE_ATTRIBUTE = ProblemResponseWriter.class.getName() + ".problemType";

	public static final MediaType PROBLEM_JSON = MediaType.APPLICATION_PROBLEM_JSON;

	/**
	 * Answers the exchange with the problem. Headers a client needs to react (for example {@code Retry-After}
	 * or {@code WWW-Authenticate}) are set by the caller before calling this.
	 */
	public Mono<Void> write(ServerWebExchange exchange, ProblemType type, String detail) {
		ServerHttpResponse response = exchange.getResponse();
		exchange.getAttributes().put(PROBLEM_TYPE_ATTRIBUTE, type);
		String requestId = exchange.getAttribute(REQUEST_ID_ATTRIBUTE);
		byte[] body = json(type, detail, requestId).getBytes(StandardCharsets.UTF_8);
		response.setStatusCode(type.status());
		HttpHeaders headers = response.getHeaders();
		headers.setContentType(PROBLEM_JSON);
		headers.setContentLength(body.length);
		DataBuffer buffer = response.bufferFactory().wrap(body);
		return response.writeWith(Mono.just(buffer));
	}

	public Mono<Void> write(ServerWebExchange exchange, GatewayProblemException problem) {
		return write(exchange, problem.problemType(), problem.detail());
	}

	/**
	 * The problem document alone, for answers written below Spring (a request Netty could not decode).
	 */
	public static String json(ProblemType type, String detail, String requestId) {
		StringBuilder json = new StringBuilder(256);
		json.append("{\"type\":");
		appendString(json, type.type().toString());
		json.append(",\"title\":");
		appendString(json, type.title());
		json.append(",\"status\":").append(type.status().value());
		json.append(",\"detail\":");
		appendString(json, detail);
		if (requestId != null) {
			json.append(",\"instance\":");
			appendString(json, "urn:request:" + requestId);
		}
		json.append(",\"reason\":");
		appendString(json, type.reason());
		return json.append('}').toString();
	}

	private static void appendString(StringBuilder json, String value) {
		json.append('"');
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			switch (c) {
				case '"' -> json.append("\\\"");
				case '\\' -> json.append("\\\\");
				case '\n' -> json.append("\\n");
				case '\r' -> json.append("\\r");
				case '\t' -> json.append("\\t");
				default -> {
					if (c < 0x20) {
						json.append(String.format("\\u%04x", (int) c));
					}
					else {
						json.append(c);
					}
				}
			}
		}
		json.append('"');
	}

}
