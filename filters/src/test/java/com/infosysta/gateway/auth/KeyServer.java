package com.infosysta.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import io.netty.handler.codec.http.HttpMethod;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A real key host on 127.0.0.1 and a free port, standing in for Atlassian's: {@code GET /<kid>} answers the PEM
 * public key published under that kid (404 otherwise), {@code GET /jwks.json} the Forge-style key set. Counts
 * every request by raw request URI, and can be switched to an outage (503 to everything).
 */
final class KeyServer implements AutoCloseable {

	static final String JWKS_PATH = "/jwks.json";

	private final Map<String, String> pems = new ConcurrentHashMap<>();

	private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();

	private final AtomicInteger total = new AtomicInteger();

	private volatile String jwks = "{\"keys\":[]}";

	private volatile boolean outage;

	private final DisposableServer server;

	KeyServer() {
		this.server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.handle(this::answer)
			.bindNow(Duration.ofSeconds(10));
	}

	private Publisher<Void> answer(HttpServerRequest request, HttpServerResponse response) {
		String uri = request.uri();
		this.total.incrementAndGet();
		this.requests.computeIfAbsent(uri, key -> new AtomicInteger()).incrementAndGet();
		if (this.outage) {
			return response.status(503).send();
		}
		if (!HttpMethod.GET.equals(request.method())) {
			return response.status(405).send();
		}
		if (JWKS_PATH.equals(uri)) {
			return response.header("Content-Type", "application/json").sendString(Mono.just(this.jwks));
		}
		String pem = this.pems.get(uri.substring(1));
		if (pem == null) {
			return response.status(404).send();
		}
		return response.header("Content-Type", "application/x-pem-file").sendString(Mono.just(pem));
	}

	/** The install-keys base URL: a key is at {@code baseUrl() + "/" + kid}. */
	String baseUrl() {
		return "http://127.0.0.1:" + this.server.port();
	}

	String jwksUrl() {
		return baseUrl() + JWKS_PATH;
	}

	void publishPem(String kid, RSAPublicKey key) {
		this.pems.put(kid, pem(key));
	}

	void publishBody(String kid, String body) {
		this.pems.put(kid, body);
	}

	/** Publishes the public halves of these keys as the JWKS, replacing the previous set. */
	void publishJwks(List<? extends JWK> keys) {
		this.jwks = new JWKSet(List.copyOf(keys)).toString(true);
	}

	void publishJwksBody(String body) {
		this.jwks = body;
	}

	void outage(boolean down) {
		this.outage = down;
	}

	/** Requests seen for this raw request URI, e.g. {@code "/" + kid} or {@link #JWKS_PATH}. */
	int requests(String uri) {
		AtomicInteger count = this.requests.get(uri);
		return (count != null) ? count.get() : 0;
	}

	int totalRequests() {
		return this.total.get();
	}

	static String pem(RSAPublicKey key) {
		String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
			.encodeToString(key.getEncoded());
		return "-----BEGIN PUBLIC KEY-----\n" + base64 + "\n-----END PUBLIC KEY-----\n";
	}

	@Override
	public void close() {
		this.server.disposeNow(Duration.ofSeconds(10));
	}

}
