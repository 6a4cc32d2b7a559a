package com.infosysta.gateway.problem;

import java.util.Objects;

/**
 * A denial decided by a gateway filter. It carries no stack trace: denials are expected outcomes, thrown per
 * request, and a stack would only cost time. The detail is written by the gateway, never copied from input.
 */
public final class GatewayProblemException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final transient ProblemType problemType;

	public GatewayProblemException(ProblemType problemType, String detail) {
		super(detail, null, false, false);
		this.problemType = Objects.requireNonNull(problemType, "problemType");
	}

	public ProblemType problemType() {
		return this.problemType;
	}

	public String detail() {
		return getMessage();
	}

}
