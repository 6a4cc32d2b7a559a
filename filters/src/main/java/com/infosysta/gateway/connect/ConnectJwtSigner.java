package com.infosysta.gateway.connect;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

/**
 * Signs the Connect JWT the gateway sends to a tenant's Jira when an app's UI calls Jira through it: issued by
 * the app's key, bound by {@code qsh} to exactly the outbound method, path and query, and short-lived.
 */
public final class ConnectJwtSigner {

	/** Atlassian allows at most three minutes. */
	public static final Duration MAX_LIFETIME = Duration.ofSeconds(180);

	private static final JWSHeader HEADER = new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build();

	private ConnectJwtSigner() {
	}

	/**
	 * @param sharedSecret the installation's shared secret
	 * @param appKey the Connect app key ({@code iss})
	 * @param qsh the query-string hash of the outbound request relative to the tenant's base URL
	 */
	public static String sign(byte[] sharedSecret, String appKey, String qsh, Instant now, Duration lifetime) {
		if (lifetime.compareTo(MAX_LIFETIME) > 0) {
			throw new IllegalArgumentException("lifetime: " + lifetime + " (expected: at most " + MAX_LIFETIME + ")");
		}
		long issued = now.getEpochSecond();
		JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(appKey)
			.issueTime(new Date(issued * 1000))
			.expirationTime(new Date((issued + lifetime.getSeconds()) * 1000))
			.claim("qsh", qsh)
			.build();
		try {
			SignedJWT jwt = new SignedJWT(HEADER, claims);
			jwt.sign(new MACSigner(sharedSecret));
			return jwt.serialize();
		}
		catch (JOSEException ex) {
			throw new IllegalStateException("signing with a validated secret failed", ex);
		}
	}

}
