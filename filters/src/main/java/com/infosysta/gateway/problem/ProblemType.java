package com.infosysta.gateway.problem;

import java.net.URI;

import org.springframework.http.HttpStatus;

/**
 * Every kind of answer the gateway gives on its own, with a stable reason code that client developers can
 * program against. The README lists them; renaming one is a breaking change for clients.
 */
public enum ProblemType {

	MALFORMED_PATH(HttpStatus.BAD_REQUEST, "malformed-path", "Malformed request path"),
	MALFORMED_REQUEST(HttpStatus.BAD_REQUEST, "malformed-request", "Malformed request"),
	MALFORMED_CREDENTIAL(HttpStatus.BAD_REQUEST, "malformed-credential", "Malformed credential"),
	TOKEN_IN_HEADER_AND_QUERY(HttpStatus.BAD_REQUEST, "token-in-header-and-query", "Token sent twice"),
	BODY_TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE, "body-too-large", "Request body too large"),
	URI_TOO_LONG(HttpStatus.URI_TOO_LONG, "uri-too-long", "Request target too long"),
	HEADERS_TOO_LARGE(HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "headers-too-large", "Request headers too large"),
	CREDENTIAL_MISSING(HttpStatus.UNAUTHORIZED, "credential-missing", "Credential missing"),
	CREDENTIAL_NOT_ACCEPTED(HttpStatus.UNAUTHORIZED, "credential-not-accepted", "Credential not accepted"),
	CREDENTIAL_INVALID(HttpStatus.UNAUTHORIZED, "credential-invalid", "Credential invalid"),
	CREDENTIAL_EXPIRED(HttpStatus.UNAUTHORIZED, "credential-expired", "Credential expired"),
	QSH_MISMATCH(HttpStatus.UNAUTHORIZED, "qsh-mismatch", "Token not issued for this request"),
	JIRA_CALL_NOT_ALLOWED(HttpStatus.FORBIDDEN, "jira-call-not-allowed", "Jira call not allowed"),
	CORS_NOT_ALLOWED(HttpStatus.FORBIDDEN, "cors-not-allowed", "Cross-origin call not allowed"),
	TENANT_DISABLED(HttpStatus.FORBIDDEN, "tenant-disabled", "Tenant disabled"),
	UNKNOWN_TENANT(HttpStatus.NOT_FOUND, "unknown-tenant", "Unknown tenant"),
	UNKNOWN_ROUTE(HttpStatus.NOT_FOUND, "unknown-route", "Unknown route"),
	UNKNOWN_APP(HttpStatus.NOT_FOUND, "unknown-app", "Unknown app"),
	METHOD_NOT_ALLOWED(HttpStatus.METHOD_NOT_ALLOWED, "method-not-allowed", "Method not allowed"),
	RATE_LIMITED(HttpStatus.TOO_MANY_REQUESTS, "rate-limited", "Rate limit exceeded"),
	TOO_MANY_FAILED_AUTHENTICATIONS(HttpStatus.TOO_MANY_REQUESTS, "too-many-failed-authentications",
			"Too many failed authentications"),
	JIRA_COOL_DOWN(HttpStatus.TOO_MANY_REQUESTS, "jira-cool-down", "Jira asked to wait"),
	CIRCUIT_OPEN(HttpStatus.SERVICE_UNAVAILABLE, "circuit-open", "Upstream failing"),
	UPSTREAM_BUSY(HttpStatus.SERVICE_UNAVAILABLE, "upstream-busy", "Too many calls in flight"),
	UPSTREAM_UNAVAILABLE(HttpStatus.BAD_GATEWAY, "upstream-unavailable", "Upstream unavailable"),
	UPSTREAM_ADDRESS_NOT_ALLOWED(HttpStatus.BAD_GATEWAY, "upstream-address-not-allowed",
			"Upstream address not allowed"),
	UPSTREAM_TIMEOUT(HttpStatus.GATEWAY_TIMEOUT, "upstream-timeout", "Upstream timeout"),
	INTERNAL_ERROR(HttpStatus.INTERNAL_SERVER_ERROR, "internal-error", "Internal gateway error");

	/** Where the problem types are documented; each type URI is this plus the reason code. */
	public static final String TYPE_BASE = "https://gateway.infosysta.com/problems/";

	private final HttpStatus status;

	private final String reason;

	private final String title;

	private final URI type;

	ProblemType(HttpStatus status, String reason, String title) {
		this.status = status;
		this.reason = reason;
		this.title = title;
		this.type = URI.create(TYPE_BASE + reason);
	}

	public HttpStatus status() {
		return this.status;
	}

	public String reason() {
		return this.reason;
	}

	public String title() {
		return this.title;
	}

	public URI type() {
		return this.type;
	}

}
