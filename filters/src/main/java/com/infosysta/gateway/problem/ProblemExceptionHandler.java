package com.infosysta.gateway.problem;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;

/**
 * Turns every failure that reaches the web layer into a problem response, so a client never sees a stack
 * trace or Boot's default error page. It runs before Boot's own handler. Once the response is committed (a
 * streamed body failed halfway) nothing can be rewritten: the error is passed on and the server closes the
 * connection, which the client sees as a truncated response rather than a false success.
 */
public final class ProblemExceptionHandler implements WebExceptionHandler, Ordered {

	private static final Logger log = LoggerFactory.getLogger(ProblemExceptionHandler.class);

	private static final int MAX_CAUSE_DEPTH = 8;

	private final ProblemResponseWriter writer;

	private final List<ProblemClassifier> classifiers;

	public ProblemExceptionHandler(ProblemResponseWriter writer, List<ProblemClassifier> classifiers) {
		this.writer = writer;
		this.classifiers = List.copyOf(classifiers);
	}

	@Override
	public int getOrder() {
		// Boot's DefaultErrorWebExceptionHandler is at -1.
		return -2;
	}

	@Override
	public Mono<Void> handle(ServerWebExchange exchange, Throwable failure) {
		if (exchange.getResponse().isCommitted()) {
			if (clientWentAway(failure)) {
				// The client closed its connection mid-answer: routine on mobile networks, not a warning.
				String requestId = exchange.getAttribute(ProblemResponseWriter.REQUEST_ID_ATTRIBUTE);
				log.debug("Client went away during the answer [{}]", requestId);
			}
			else {
				log.warn("Response failed after it was committed [{}]: {}", exchange.getAttribute(
						ProblemResponseWriter.REQUEST_ID_ATTRIBUTE), failure.getClass().getName());
			}
			return Mono.error(failure);
		}
		if (failure instanceof GatewayProblemException problem) {
			return this.writer.write(exchange, problem);
		}
		ProblemType type = classify(failure);
		if (type == ProblemType.INTERNAL_ERROR) {
			log.error("Unclassified failure answered with 500 [{}]", exchange.getAttribute(
					ProblemResponseWriter.REQUEST_ID_ATTRIBUTE), failure);
		}
		else if (log.isDebugEnabled()) {
			log.debug("Answered {} for {}", type.reason(), failure.getClass().getName());
		}
		exchange.getResponse().getHeaders().clear();
		return this.writer.write(exchange, type, detail(type));
	}

	private static boolean clientWentAway(Throwable failure) {
		Throwable current = failure;
		for (int depth = 0; current != null && depth < MAX_CAUSE_DEPTH; depth++) {
			if (current instanceof reactor.netty.channel.AbortedException
					|| current instanceof java.nio.channels.ClosedChannelException) {
				return true;
			}
			current = current.getCause();
		}
		return false;
	}

	ProblemType classify(Throwable failure) {
		Throwable current = failure;
		for (int depth = 0; current != null && depth < MAX_CAUSE_DEPTH; depth++) {
			if (current instanceof GatewayProblemException problem) {
				return problem.problemType();
			}
			for (ProblemClassifier classifier : this.classifiers) {
				ProblemType type = classifier.classify(current);
				if (type != null) {
					return type;
				}
			}
			if (current instanceof ResponseStatusException statusException) {
				return fromStatus(statusException.getStatusCode());
			}
			current = current.getCause();
		}
		return ProblemType.INTERNAL_ERROR;
	}

	private static ProblemType fromStatus(HttpStatusCode status) {
		return switch (status.value()) {
			case 404 -> ProblemType.UNKNOWN_ROUTE;
			case 405 -> ProblemType.METHOD_NOT_ALLOWED;
			case 502, 503 -> ProblemType.UPSTREAM_UNAVAILABLE;
			case 504 -> ProblemType.UPSTREAM_TIMEOUT;
			default -> status.is4xxClientError() ? ProblemType.MALFORMED_REQUEST : ProblemType.INTERNAL_ERROR;
		};
	}

	private static String detail(ProblemType type) {
		return switch (type) {
			case UNKNOWN_ROUTE -> "No route of the gateway matches this path.";
			case METHOD_NOT_ALLOWED -> "This method is not allowed.";
			case UPSTREAM_UNAVAILABLE -> "The tenant's server refused or dropped the connection.";
			case UPSTREAM_ADDRESS_NOT_ALLOWED -> "The tenant's server resolves to an address the gateway may not call.";
			case UPSTREAM_TIMEOUT -> "The tenant's server did not answer in time.";
			case MALFORMED_REQUEST -> "The request could not be read.";
			default -> "The gateway failed to handle this request.";
		};
	}

}
