package com.infosysta.gateway.it;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.server.HttpServer;

/**
 * A Jira stand-in over TLS on {@code 127.0.0.1} with a given certificate, recording the path of every request
 * that got through the handshake (so a test can show that a refused handshake sent nothing).
 */
final class TlsUpstream implements AutoCloseable {

	private final ConcurrentLinkedQueue<String> received = new ConcurrentLinkedQueue<>();

	private final DisposableServer server;

	TlsUpstream(TestCertificates.Issued certificate) {
		this.server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.secure(spec -> spec.sslContext(
					Http11SslContextSpec.forServer(certificate.key(), certificate.chain().toArray(X509Certificate[]::new))))
			.handle((request, response) -> {
				this.received.add(request.uri());
				return response.header("Content-Type", "application/json").sendString(Mono.just("{\"ok\":true}"));
			})
			.bindNow();
	}

	/** {@code https://localhost:<port>}: a host name the certificate can name, resolving to loopback. */
	String baseUrl() {
		return "https://localhost:" + this.server.port();
	}

	List<String> received() {
		return List.copyOf(this.received);
	}

	void clear() {
		this.received.clear();
	}

	@Override
	public void close() {
		this.server.disposeNow();
	}

}
