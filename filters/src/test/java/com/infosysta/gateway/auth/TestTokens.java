package com.infosysta.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

/**
 * Tokens for the tests: signed with Nimbus where Nimbus will produce them, and built by hand (raw JSON,
 * base64url, HMAC) where it will not (alg none, duplicate names, a JSON array as alg, b64=false, deep nesting).
 */
final class TestTokens {

	private TestTokens() {
	}

	static String hs256(byte[] secret, JWTClaimsSet claims) {
		return signed(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(), claims,
				macSigner(secret));
	}

	static String rs256(RSAPrivateKey key, String kid, JWTClaimsSet claims) {
		JWSHeader.Builder header = new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT);
		if (kid != null) {
			header.keyID(kid);
		}
		return signed(header.build(), claims, new RSASSASigner(key));
	}

	static String signed(JWSHeader header, JWTClaimsSet claims, JWSSigner signer) {
		try {
			SignedJWT jwt = new SignedJWT(header, claims);
			jwt.sign(signer);
			return jwt.serialize();
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	static JWSSigner macSigner(byte[] secret) {
		try {
			return new MACSigner(secret);
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** {@code base64url(header) . base64url(payload) . HMAC-SHA-256} over exactly those bytes. */
	static String rawHs256(String headerJson, String payloadJson, byte[] secret) {
		return rawHmac(headerJson, payloadJson, secret, "HmacSHA256");
	}

	static String rawHmac(String headerJson, String payloadJson, byte[] secret, String macAlgorithm) {
		String input = b64url(headerJson) + "." + b64url(payloadJson);
		return input + "." + b64url(hmac(macAlgorithm, secret, input));
	}

	static byte[] hmac(String macAlgorithm, byte[] secret, String input) {
		try {
			Mac mac = Mac.getInstance(macAlgorithm);
			mac.init(new SecretKeySpec(secret, macAlgorithm));
			return mac.doFinal(input.getBytes(StandardCharsets.US_ASCII));
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException(ex);
		}
	}

	static String b64url(String text) {
		return b64url(text.getBytes(StandardCharsets.UTF_8));
	}

	static String b64url(byte[] bytes) {
		return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
	}

	static String decodeSegment(String token, int index) {
		return new String(Base64.getUrlDecoder().decode(token.split("\\.", -1)[index]), StandardCharsets.UTF_8);
	}

	static KeyPair rsaKeyPair(int bits) {
		try {
			KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
			generator.initialize(bits);
			return generator.generateKeyPair();
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException(ex);
		}
	}

	static RSAPublicKey publicKey(KeyPair pair) {
		return (RSAPublicKey) pair.getPublic();
	}

	static RSAPrivateKey privateKey(KeyPair pair) {
		return (RSAPrivateKey) pair.getPrivate();
	}

	static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	/** A JWT time claim: whole seconds. */
	static Date date(Instant instant) {
		return new Date(instant.getEpochSecond() * 1000);
	}

}
