package com.infosysta.gateway.upstream;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import com.infosysta.gateway.auth.Principal;
import com.infosysta.gateway.connect.ConnectJwtSigner;

/**
 * Signs {@code X-Infosysta-Identity}: what the gateway verified, told to an app backend in a token it can
 * check with its {@code backend-secret}, so a backend can trust it even if something else reaches it.
 */
public final class BackendIdentitySigner {

	public static final String HEADER_NAME = "X-Infosysta-Identity";

	public static final String ISSUER = "infosysta-gateway";

	public static final Duration LIFETIME = Duration.ofSeconds(60);

	private BackendIdentitySigner() {
	}

	public static String sign(byte[] backendSecret, String appId, Principal principal, Instant now) {
		long issued = now.getEpochSecond();
		JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer(ISSUER)
			.audience(appId)
			.subject(principal.subjectKey())
			.issueTime(new Date(issued * 1000))
			.expirationTime(new Date((issued + LIFETIME.getSeconds()) * 1000))
			.claim("kind", principal.kind().configName());
		if (principal.tenantId() != null) {
			claims.claim("tenant", principal.tenantId());
		}
		if (principal.clientKey() != null) {
			claims.claim("client_key", principal.clientKey());
		}
		try {
			SignedJWT jwt = new SignedJWT(ConnectJwtSigner.HS256_JWT_HEADER, claims.build());
			jwt.sign(new MACSigner(backendSecret));
			return jwt.serialize();
		}
		catch (JOSEException ex) {
			throw new IllegalStateException("signing with a validated secret failed", ex);
		}
	}

}
