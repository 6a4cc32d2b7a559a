package com.infosysta.gateway.connect;

import java.text.ParseException;
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

	/**
	 * {@code {"typ":"JWT","alg":"HS256"}}, parsed back from its own encoding: a header Nimbus has parsed keeps its
	 * encoded form, where a built one is written out as JSON again for every token signed.
	 */
	public static final JWSHeader HS256_JWT_HEADER = encodedOnce(
			new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build());

	private ConnectJwtSigner() {
	}

	private static JWSHeader encodedOnce(JWSHeader header) {
		try {
			return JWSHeader.parse(header.toBase64URL());
		}
		catch (ParseException ex) {
			throw new IllegalStateException("Nimbus could not read its own header back", ex);
		}
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
			SignedJWT jwt = new SignedJWT(HS256_JWT_HEADER, claims);
			jwt.sign(new MACSigner(sharedSecret));
			return jwt.serialize();
		}
		catch (JOSEException ex) {
			throw new IllegalStateException("signing with a validated secret failed", ex);
		}
	}

}
