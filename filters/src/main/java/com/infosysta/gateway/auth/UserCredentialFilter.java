package com.infosysta.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

import com.infosysta.gateway.auth.CredentialException.Reason;
import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.problem.ProblemType;
import com.infosysta.gateway.tenant.CredentialKind;
import com.infosysta.gateway.tenant.Deployment;
import com.infosysta.gateway.tenant.Tenant;
import com.infosysta.gateway.tenant.TenantResolutionFilter;

/**
 * Step three on {@code /jira/{tenant}/…}: a user's own Jira credential, checked for form, size and the
 * tenant's {@code accept} list, then forwarded unchanged for Jira to verify (the gateway cannot: Basic and
 * PAT are checked by Jira itself, and OAuth tokens have no public key set). A {@code Bearer} is {@code oauth} on
 * a Cloud tenant and {@code pat} on Server/DC. Fails closed: no credential, two credentials, or a kind the
 * tenant does not accept never reaches the tenant. Binds the principal: the subject key is an HMAC of the user
 * name (never the password) or of a digest of the bearer token.
 */
public final class UserCredentialFilter implements GatewayFilter, Ordered {

	public static final int ORDER = TenantResolutionFilter.ORDER + 100;

	private static final String BASIC = "Basic ";

	private static final String BEARER = "Bearer ";

	private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is part of every JRE", ex);
		}
	});

	private final SubjectKeys subjectKeys;

	private final VerificationMetrics metrics;

	private final ProblemResponseWriter problems;

	public UserCredentialFilter(SubjectKeys subjectKeys, VerificationMetrics metrics, ProblemResponseWriter problems) {
		this.subjectKeys = subjectKeys;
		this.metrics = metrics;
		this.problems = problems;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		Tenant tenant = exchange.getAttribute(TenantResolutionFilter.TENANT_ATTRIBUTE);
		if (tenant == null) {
			return this.problems.write(exchange, ProblemType.UNKNOWN_TENANT, "The path names no tenant.");
		}
		CredentialKind kind = null;
		try {
			List<String> values = exchange.getRequest().getHeaders().get(HttpHeaders.AUTHORIZATION);
			if (values == null || values.isEmpty()) {
				throw new CredentialException(ProblemType.CREDENTIAL_MISSING, Reason.MISSING,
						"This call needs the user's Jira credential in the Authorization header.");
			}
			if (values.size() > 1) {
				throw new CredentialException(ProblemType.MALFORMED_CREDENTIAL, Reason.TWO_TOKENS,
						"Send one Authorization header.");
			}
			String authorization = values.get(0);
			String identity;
			if (startsWithIgnoreCase(authorization, BASIC)) {
				kind = CredentialKind.BASIC;
				identity = basicUser(authorization.substring(BASIC.length()).trim());
			}
			else if (startsWithIgnoreCase(authorization, BEARER)) {
				kind = (tenant.deployment() == Deployment.CLOUD) ? CredentialKind.OAUTH : CredentialKind.PAT;
				identity = bearerDigest(authorization.substring(BEARER.length()).trim());
			}
			else {
				throw new CredentialException(ProblemType.CREDENTIAL_NOT_ACCEPTED, Reason.NOT_ACCEPTED,
						"This tenant does not accept this kind of credential.");
			}
			if (!tenant.accepts(kind)) {
				throw new CredentialException(ProblemType.CREDENTIAL_NOT_ACCEPTED, Reason.NOT_ACCEPTED,
						"This tenant does not accept this kind of credential.");
			}
			String subject = this.subjectKeys.of(tenant.id() + ':' + kind.configName(), identity);
			exchange.getAttributes().put(Principal.ATTRIBUTE, new Principal(tenant.id(), null, kind, subject, null));
			this.metrics.accepted(kind);
			return chain.filter(exchange);
		}
		catch (CredentialException ex) {
			this.metrics.rejected(kind, ex.reason());
			if (ex.problemType().status().value() == 401) {
				exchange.getResponse().getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, challenge(tenant));
			}
			return this.problems.write(exchange, ex.problemType(), ex.getMessage());
		}
	}

	static String challenge(Tenant tenant) {
		StringBuilder challenge = new StringBuilder();
		if (tenant.accepts(CredentialKind.BASIC)) {
			challenge.append("Basic realm=\"jira\", charset=\"UTF-8\"");
		}
		if (tenant.accepts(CredentialKind.OAUTH) || tenant.accepts(CredentialKind.PAT)) {
			challenge.append((challenge.length() > 0) ? ", " : "").append("Bearer realm=\"jira\"");
		}
		return challenge.toString();
	}

	private static String basicUser(String encoded) throws CredentialException {
		if (encoded.length() > JwtChecks.MAX_TOKEN_CHARS) {
			throw CredentialException.invalid(Reason.TOO_LARGE, "The Basic credential is too large.");
		}
		if (encoded.isEmpty()) {
			throw new CredentialException(ProblemType.MALFORMED_CREDENTIAL, Reason.MALFORMED,
					"The Basic credential is empty.");
		}
		String decoded;
		try {
			decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
		}
		catch (IllegalArgumentException ex) {
			throw new CredentialException(ProblemType.MALFORMED_CREDENTIAL, Reason.MALFORMED,
					"The Basic credential is not valid base64.");
		}
		int colon = decoded.indexOf(':');
		if (colon <= 0) {
			throw new CredentialException(ProblemType.MALFORMED_CREDENTIAL, Reason.MALFORMED,
					"The Basic credential must be user:password.");
		}
		for (int i = 0; i < decoded.length(); i++) {
			if (decoded.charAt(i) < 0x20 || decoded.charAt(i) == 0x7f) {
				throw new CredentialException(ProblemType.MALFORMED_CREDENTIAL, Reason.MALFORMED,
						"The Basic credential has control characters.");
			}
		}
		return decoded.substring(0, colon);
	}

	/** RFC 6750's token68: the only form a bearer token can take. */
	private static String bearerDigest(String token) throws CredentialException {
		if (token.isEmpty()) {
			throw new CredentialException(ProblemType.MALFORMED_CREDENTIAL, Reason.MALFORMED,
					"The bearer token is empty.");
		}
		if (token.length() > JwtChecks.MAX_TOKEN_CHARS) {
			throw CredentialException.invalid(Reason.TOO_LARGE, "The bearer token is too large.");
		}
		int i = 0;
		for (; i < token.length(); i++) {
			char c = token.charAt(i);
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
					|| c == '_' || c == '~' || c == '+' || c == '/')) {
				break;
			}
		}
		while (i < token.length() && token.charAt(i) == '=') {
			i++;
		}
		if (i != token.length()) {
			throw new CredentialException(ProblemType.MALFORMED_CREDENTIAL, Reason.MALFORMED,
					"The bearer token has characters a token cannot have.");
		}
		return HexFormat.of().formatHex(SHA_256.get().digest(token.getBytes(StandardCharsets.US_ASCII)));
	}

	private static boolean startsWithIgnoreCase(String value, String prefix) {
		return value.regionMatches(true, 0, prefix, 0, prefix.length());
	}

}
