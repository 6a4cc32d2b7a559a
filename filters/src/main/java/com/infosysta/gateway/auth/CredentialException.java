package com.infosysta.gateway.auth;

import com.infosysta.gateway.problem.ProblemType;

/**
 * A credential that did not pass. Carries the answer for the client (a problem type with a gateway-authored
 * detail, never the token) and a finer reason for the metrics. No stack trace: rejections are routine.
 */
final class CredentialException extends Exception {

	private static final long serialVersionUID = 1L;

	private final transient ProblemType problemType;

	private final Reason reason;

	CredentialException(ProblemType problemType, Reason reason, String detail) {
		super(detail, null, false, false);
		this.problemType = problemType;
		this.reason = reason;
	}

	static CredentialException invalid(Reason reason, String detail) {
		return new CredentialException(ProblemType.CREDENTIAL_INVALID, reason, detail);
	}

	ProblemType problemType() {
		return this.problemType;
	}

	Reason reason() {
		return this.reason;
	}

	/** Why a verification failed, as the {@code reason} tag of the verification counter (a bounded set). */
	enum Reason {

		MISSING, NOT_ACCEPTED, MALFORMED, TOO_LARGE, ALGORITHM, HEADER, SIGNATURE, EXPIRED, NOT_YET_VALID, CLAIMS,
		UNKNOWN_ISSUER, UNKNOWN_KEY, KEY_UNAVAILABLE, AUDIENCE, ISSUER, QSH, CONTEXT_QSH, TWO_TOKENS;

		String tag() {
			return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
		}

	}

}
