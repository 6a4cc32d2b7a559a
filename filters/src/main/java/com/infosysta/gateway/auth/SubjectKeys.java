package com.infosysta.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Derives subject keys: HMAC-SHA-256 of an identity under {@code subject-key-secret}, cut to 128 bits. The
 * same identity gives the same key on every replica; the key cannot be turned back into the identity, so rate
 * limits and logs can use it without holding a user name, an e-mail address or a token.
 */
public final class SubjectKeys {

	static final int MIN_SECRET_BYTES = 32;

	private final ThreadLocal<Mac> macs;

	public SubjectKeys(byte[] secret) {
		if (secret.length < MIN_SECRET_BYTES) {
			throw new IllegalArgumentException("infosysta.gateway.subject-key-secret: " + secret.length
					+ " bytes (expected: at least " + MIN_SECRET_BYTES + ")");
		}
		SecretKeySpec key = new SecretKeySpec(secret.clone(), "HmacSHA256");
		this.macs = ThreadLocal.withInitial(() -> {
			try {
				Mac mac = Mac.getInstance("HmacSHA256");
				mac.init(key);
				return mac;
			}
			catch (GeneralSecurityException ex) {
				throw new IllegalStateException("HmacSHA256 is part of every JRE", ex);
			}
		});
		// Load the provider on the calling (start-up) thread rather than on the first request's event loop.
		this.macs.get();
	}

	/**
	 * @param scope what the identity is unique within (e.g. the tenant id and the credential kind)
	 * @param identity the user name, account id, client key or a digest of a bearer token
	 */
	public String of(String scope, String identity) {
		Mac mac = this.macs.get();
		mac.update(scope.getBytes(StandardCharsets.UTF_8));
		mac.update((byte) 0);
		byte[] sum = mac.doFinal(identity.getBytes(StandardCharsets.UTF_8));
		return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(sum, 16));
	}

}
