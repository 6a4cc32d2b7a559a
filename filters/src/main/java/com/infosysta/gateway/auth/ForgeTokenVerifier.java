package com.infosysta.gateway.auth;

import java.time.Clock;
import java.time.Duration;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import reactor.core.publisher.Mono;

import com.infosysta.gateway.auth.CredentialException.Reason;

/**
 * Verifies Forge invocation tokens: RS256 only, under the Forge key set by {@code kid}; {@code iss} is
 * {@code forge/invocation-token}; {@code aud} is the app's Forge ARI; {@code exp} required within the leeway.
 */
final class ForgeTokenVerifier {

	static final String ISSUER = "forge/invocation-token";

	private final ForgeKeys keys;

	private final Clock clock;

	private final Duration leeway;

	ForgeTokenVerifier(ForgeKeys keys, Clock clock, Duration leeway) {
		this.keys = keys;
		this.clock = clock;
		this.leeway = leeway;
	}

	Mono<JWTClaimsSet> verify(String token, AppDefinition app) {
		SignedJWT jwt;
		JWTClaimsSet claims;
		try {
			if (app.forgeAudience() == null) {
				throw new CredentialException(com.infosysta.gateway.problem.ProblemType.CREDENTIAL_NOT_ACCEPTED,
						Reason.NOT_ACCEPTED, "This app takes no Forge calls.");
			}
			jwt = JwtChecks.parse(token, JWSAlgorithm.RS256);
			claims = JwtChecks.claims(jwt);
		}
		catch (CredentialException ex) {
			return Mono.error(ex);
		}
		return this.keys.key(jwt.getHeader().getKeyID()).handle((key, sink) -> {
			try {
				if (!jwt.verify(new RSASSAVerifier(key))) {
					throw CredentialException.invalid(Reason.SIGNATURE, "The token's signature is not valid.");
				}
				JwtChecks.checkTimes(claims, this.clock.instant(), this.leeway, false);
				if (!ISSUER.equals(JwtChecks.stringClaim(claims, "iss"))) {
					throw CredentialException.invalid(Reason.ISSUER, "The token's issuer is not Forge.");
				}
				if (!claims.getAudience().contains(app.forgeAudience())) {
					throw CredentialException.invalid(Reason.AUDIENCE, "The token is meant for another app.");
				}
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

}
