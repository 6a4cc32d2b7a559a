package com.infosysta.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import com.infosysta.gateway.auth.CredentialException.Reason;
import com.infosysta.gateway.connect.CanonicalRequest;
import com.infosysta.gateway.problem.ProblemType;
import com.infosysta.gateway.tenant.SharedSecrets;
import com.infosysta.gateway.tenant.Tenant;
import com.infosysta.gateway.tenant.TenantRegistry;

/**
 * Verifies a Connect JWT from Jira or from an app's UI: HS256 only, under the shared secret of this app's
 * installation on the tenant whose {@code client-key} is the token's {@code iss} (either secret during a
 * rotation); {@code iat} and {@code exp} required within the leeway; {@code qsh} required and equal to the hash
 * of the request as received, or the literal {@code context-qsh} where the caller allows it. The token's JSON is
 * parsed once; the unverified {@code iss} only chooses the key, and nothing else is trusted before the
 * signature has been checked. Fails closed on anything it cannot read.
 */
final class ConnectJwtVerifier {

	static final String CONTEXT_QSH = "context-qsh";

	private final TenantRegistry registry;

	private final Clock clock;

	private final Duration leeway;

	ConnectJwtVerifier(TenantRegistry registry, Clock clock, Duration leeway) {
		this.registry = registry;
		this.clock = clock;
		this.leeway = leeway;
	}

	/**
	 * @param request the request the token must be bound to, relative to the app's base path
	 * @param contextQshAllowed whether this path accepts the literal {@code context-qsh}
	 */
	Verified verify(String token, String appId, BoundRequest request, boolean contextQshAllowed)
			throws CredentialException {
		SignedJWT jwt = JwtChecks.parse(token, JWSAlgorithm.HS256);
		JWTClaimsSet claims = JwtChecks.claims(jwt);
		String issuer = JwtChecks.stringClaim(claims, "iss");
		if (issuer == null || issuer.isEmpty()) {
			throw CredentialException.invalid(Reason.CLAIMS, "The token names no issuer.");
		}
		Tenant tenant = this.registry.current().tenantByClientKey(issuer);
		SharedSecrets secrets = (tenant != null) ? tenant.apps().get(appId) : null;
		if (secrets == null) {
			throw CredentialException.invalid(Reason.UNKNOWN_ISSUER, "The token's issuer is not installed here.");
		}
		if (!signedWithOneOf(jwt, secrets)) {
			throw CredentialException.invalid(Reason.SIGNATURE, "The token's signature is not valid.");
		}
		JwtChecks.checkTimes(claims, this.clock.instant(), this.leeway, true);
		String qsh = JwtChecks.stringClaim(claims, "qsh");
		if (qsh == null) {
			throw CredentialException.invalid(Reason.CLAIMS, "The token has no qsh claim.");
		}
		if (CONTEXT_QSH.equals(qsh)) {
			if (!contextQshAllowed) {
				throw new CredentialException(ProblemType.QSH_MISMATCH, Reason.CONTEXT_QSH,
						"A context token is not accepted on this path.");
			}
		}
		else if (!constantTimeEquals(qsh, request.queryStringHash())) {
			throw new CredentialException(ProblemType.QSH_MISMATCH, Reason.QSH,
					"The token was not issued for this method, path and query.");
		}
		if (!tenant.enabled()) {
			throw new CredentialException(ProblemType.TENANT_DISABLED, Reason.NOT_ACCEPTED, "This tenant is disabled.");
		}
		return new Verified(tenant, secrets, issuer, subject(claims, issuer), CONTEXT_QSH.equals(qsh));
	}

	private static boolean signedWithOneOf(SignedJWT jwt, SharedSecrets secrets) {
		for (byte[] secret : secrets.secrets()) {
			try {
				if (jwt.verify(new MACVerifier(secret))) {
					return true;
				}
			}
			catch (JOSEException | RuntimeException ex) {
				// a secret Nimbus refuses, or a malformed signature: not verified with this secret
			}
		}
		return false;
	}

	/** The user's account id where the token carries one, else the site itself (server-to-server calls). */
	private static String subject(JWTClaimsSet claims, String issuer) {
		Object sub = claims.getClaim("sub");
		return (sub instanceof String text && !text.isEmpty()) ? text : issuer;
	}

	static boolean constantTimeEquals(String a, String b) {
		return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
	}

	/**
	 * @param tenant the tenant whose installation signed the token
	 * @param secrets that installation's shared secrets
	 * @param clientKey the token's {@code iss}
	 * @param subject the account id, or the client key
	 * @param contextToken the token was a context token ({@code context-qsh}), as a browser holds
	 */
	record Verified(Tenant tenant, SharedSecrets secrets, String clientKey, String subject, boolean contextToken) {
	}

	/** A request as a token's {@code qsh} sees it: method, raw path, the base path it is relative to, raw query. */
	record BoundRequest(String method, String rawPath, String basePath, String rawQuery) {

		String queryStringHash() {
			return CanonicalRequest.queryStringHash(this.method, this.rawPath, this.basePath, this.rawQuery);
		}

	}

}
