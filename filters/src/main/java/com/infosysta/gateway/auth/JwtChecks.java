package com.infosysta.gateway.auth;

import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import com.infosysta.gateway.auth.CredentialException.Reason;
import com.infosysta.gateway.problem.ProblemType;

/**
 * The rules every token verifier applies before and after the signature (RFC 8725): a size cap before any
 * parsing, exactly three segments (so no JWE and no unsigned token), the algorithm fixed by the credential
 * kind and never read from the token, no key or key URL carried in the header, no critical extensions, and
 * the time claims within the leeway. Any parse failure fails closed.
 */
final class JwtChecks {

	/** Tokens are capped before parsing; the header limit (16 KiB) is higher so this is the gateway's 401. */
	static final int MAX_TOKEN_CHARS = 8 * 1024;

	private JwtChecks() {
	}

	static SignedJWT parse(String token, JWSAlgorithm expected) throws CredentialException {
		if (token.length() > MAX_TOKEN_CHARS) {
			throw CredentialException.invalid(Reason.TOO_LARGE, "The token is too large.");
		}
		int dots = 0;
		for (int i = 0; i < token.length(); i++) {
			char c = token.charAt(i);
			if (c == '.') {
				dots++;
			}
			else if (!isBase64UrlChar(c)) {
				// Strict base64url: a lenient decoder would let a token be altered without breaking it.
				throw CredentialException.invalid(Reason.MALFORMED, "The token is not a compact JWS.");
			}
		}
		if (dots != 2) {
			throw CredentialException.invalid(Reason.MALFORMED, "The token is not a signed JWT.");
		}
		SignedJWT jwt;
		try {
			jwt = SignedJWT.parse(token);
		}
		catch (ParseException | RuntimeException | StackOverflowError ex) {
			throw CredentialException.invalid(Reason.MALFORMED, "The token could not be read.");
		}
		JWSHeader header = jwt.getHeader();
		if (!expected.equals(header.getAlgorithm())) {
			throw CredentialException.invalid(Reason.ALGORITHM, "The token's algorithm is not accepted here.");
		}
		if (header.getJWKURL() != null || header.getJWK() != null || header.getX509CertURL() != null
				|| header.getX509CertChain() != null || (header.getCriticalParams() != null
						&& !header.getCriticalParams().isEmpty())
				|| !header.isBase64URLEncodePayload()) {
			throw CredentialException.invalid(Reason.HEADER, "The token's header is not accepted.");
		}
		JOSEObjectType type = header.getType();
		if (type != null && !"JWT".equalsIgnoreCase(type.getType())) {
			throw CredentialException.invalid(Reason.HEADER, "The token's type is not accepted.");
		}
		return jwt;
	}

	private static boolean isBase64UrlChar(char c) {
		return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
	}

	static JWTClaimsSet claims(SignedJWT jwt) throws CredentialException {
		try {
			return jwt.getJWTClaimsSet();
		}
		catch (ParseException | RuntimeException | StackOverflowError ex) {
			throw CredentialException.invalid(Reason.MALFORMED, "The token's claims could not be read.");
		}
	}

	/** {@code exp} always required; {@code iat} where the kind requires it; both and {@code nbf} with leeway. */
	static void checkTimes(JWTClaimsSet claims, Instant now, Duration leeway, boolean requireIssuedAt)
			throws CredentialException {
		Date expires = claims.getExpirationTime();
		Date issued = claims.getIssueTime();
		if (expires == null || (requireIssuedAt && issued == null)) {
			throw CredentialException.invalid(Reason.CLAIMS, "The token lacks a required time claim.");
		}
		if (now.isAfter(expires.toInstant().plus(leeway))) {
			throw new CredentialException(ProblemType.CREDENTIAL_EXPIRED, Reason.EXPIRED, "The token has expired.");
		}
		Date notBefore = claims.getNotBeforeTime();
		if ((notBefore != null && notBefore.toInstant().isAfter(now.plus(leeway)))
				|| (issued != null && issued.toInstant().isAfter(now.plus(leeway)))) {
			throw CredentialException.invalid(Reason.NOT_YET_VALID, "The token is not valid yet.");
		}
	}

	static String stringClaim(JWTClaimsSet claims, String name) throws CredentialException {
		try {
			return claims.getStringClaim(name);
		}
		catch (ParseException ex) {
			throw CredentialException.invalid(Reason.CLAIMS, "A claim of the token has the wrong type.");
		}
	}

}
