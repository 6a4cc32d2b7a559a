package com.infosysta.gateway.it;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * Stands in for Atlassian's key hosts on loopback: Connect install keys as PEM by {@code kid}
 * ({@code GET /<kid>}) and the Forge key set ({@code GET /jwks.json}), with real RSA keys made here.
 */
final class KeyServer implements AutoCloseable {

	final Map<String, KeyPair> installKeys = new ConcurrentHashMap<>();

	final Map<String, KeyPair> forgeKeys = new ConcurrentHashMap<>();

	final AtomicInteger requests = new AtomicInteger();

	private final DisposableServer server;

	KeyServer() {
		this.server = HttpServer.create().host("127.0.0.1").port(0).route(routes -> routes
			.get("/jwks.json", (request, response) -> {
				this.requests.incrementAndGet();
				JWKSet set = new JWKSet(this.forgeKeys.entrySet().stream()
					.map(entry -> (com.nimbusds.jose.jwk.JWK) new RSAKey.Builder((RSAPublicKey) entry.getValue()
						.getPublic()).keyID(entry.getKey()).keyUse(KeyUse.SIGNATURE).build())
					.toList());
				return response.header("Content-Type", "application/json").sendString(Mono.just(set.toString(true)));
			})
			.get("/{kid}", (request, response) -> {
				this.requests.incrementAndGet();
				KeyPair pair = this.installKeys.get(request.param("kid"));
				if (pair == null) {
					return response.status(404).send();
				}
				String pem = "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
					.encodeToString(pair.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
				return response.header("Content-Type", "application/x-pem-file").sendString(Mono.just(pem));
			}))
			.bindNow();
	}

	String baseUrl() {
		return "http://127.0.0.1:" + this.server.port();
	}

	static KeyPair newRsaKeyPair() {
		try {
			KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
			generator.initialize(2048);
			return generator.generateKeyPair();
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@Override
	public void close() {
		this.server.disposeNow();
	}

}
