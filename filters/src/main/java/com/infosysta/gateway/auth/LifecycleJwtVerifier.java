package com.infosysta.gateway.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import reactor.core.publisher.Mono;

import com.infosysta.gateway.auth.CredentialException.Reason;
import com.infosysta.gateway.problem.ProblemType;

/**
 * Verifies the Connect lifecycle tokens on {@code installed} and {@code uninstalled}: RS256 only, under
 * Atlassian's install key named by {@code kid}; {@code aud} is the app's public base URL; {@code qsh} binds the
 * token to its path, so a token for one lifecycle path fails on the other; {@code iss} (the site's client key)
 * is passed on for the backend to match against the payload. Needs no registry entry: this is how a new
 * installation arrives.
 */
final class LifecycleJwtVerifier {

	private final InstallKeys keys;

	private final Clock clock;

	private final Duration leeway;

	LifecycleJwtVerifier(InstallKeys keys, Clock clock, Duration leeway) {
		this.keys = keys;
		this.clock = clock;
		this.leeway = leeway;
	}

	Mono<JWTClaimsSet> verify(String token, AppDefinition app, ConnectJwtVerifier.BoundRequest request) {
		SignedJWT jwt;
		JWTClaimsSet claims;
		try {
			jwt = JwtChecks.parse(token, JWSAlgorithm.RS256);
			claims = JwtChecks.claims(jwt);
			if (app.publicBaseUrl() == null) {
				throw CredentialException.invalid(Reason.AUDIENCE, "This app takes no lifecycle calls.");
			}
		}
		catch (CredentialException ex) {
			return Mono.error(ex);
		}
		return this.keys.key(jwt.getHeader().getKeyID()).handle((key, sink) -> {
			try {
				if (!jwt.verify(new RSASSAVerifier(key))) {
					throw CredentialException.invalid(Reason.SIGNATURE, "The token's signature is not valid.");
				}
				check(claims, app, request);
				sink.next(claims);
			}
			catch (CredentialException ex) {
				sink.error(ex);
			}
			catch (JOSEException | RuntimeException ex) {
				sink.error(CredentialException.invalid(Reason.SIGNATURE, "The token's signature is not valid."));
			}
		});
	}

	private void check(JWTClaimsSet claims, AppDefinition app, ConnectJwtVerifier.BoundRequest request)
			throws CredentialException {
		JwtChecks.checkTimes(claims, this.clock.instant(), this.leeway, true);
		List<String> audience = claims.getAudience();
		boolean audienceMatches = false;
		for (String aud : audience) {
			String trimmed = aud.endsWith("/") ? aud.substring(0, aud.length() - 1) : aud;
			audienceMatches |= trimmed.equals(app.publicBaseUrl());
		}
		if (!audienceMatches) {
			throw CredentialException.invalid(Reason.AUDIENCE, "The token is meant for another app.");
		}
		String issuer = JwtChecks.stringClaim(claims, "iss");
		if (issuer == null || issuer.isEmpty()) {
			throw CredentialException.invalid(Reason.CLAIMS, "The token names no issuer.");
		}
		String qsh = JwtChecks.stringClaim(claims, "qsh");
		if (qsh == null || !ConnectJwtVerifier.constantTimeEquals(qsh, request.queryStringHash())) {
			throw new CredentialException(ProblemType.QSH_MISMATCH, Reason.QSH,
					"The token was not issued for this method, path and query.");
		}
	}

}
