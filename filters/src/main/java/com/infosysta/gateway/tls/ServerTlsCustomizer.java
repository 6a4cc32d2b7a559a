package com.infosysta.gateway.tls;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import javax.net.ssl.SSLEngine;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;
import reactor.netty.tcp.SslProvider;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;

/**
 * Checks the public server's TLS as it is really configured, after Spring Boot applied {@code server.ssl.*} and
 * the SSL bundle: the start fails if the server would accept anything older than TLS 1.2. (With
 * {@code server.ssl.bundle}, Boot takes the protocols from the bundle's {@code options.enabled-protocols} and
 * ignores {@code server.ssl.enabled-protocols}; left unset, the JVM's defaults apply, which a
 * {@code java.security} edit can widen.) Without TLS the server speaks HTTP/1.1 only: HTTP/2 is offered over
 * TLS (ALPN {@code h2}) but never as cleartext {@code h2c}, whose {@code Upgrade} lets a client tunnel past a
 * proxy in front.
 */
public final class ServerTlsCustomizer implements NettyServerCustomizer {

	static final Set<String> ALLOWED_PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");

	@Override
	public HttpServer apply(HttpServer server) {
		SslProvider ssl = server.configuration().sslProvider();
		if (ssl == null) {
			return server.protocol(HttpProtocol.HTTP11);
		}
		List<String> weak = weakProtocols(ssl.getSslContext());
		if (!weak.isEmpty()) {
			throw new IllegalStateException("server TLS would accept " + weak + " (expected: TLSv1.3 and TLSv1.2"
					+ " only; set spring.ssl.bundle.pem.<bundle>.options.enabled-protocols=TLSv1.3,TLSv1.2)");
		}
		return server;
	}

	static List<String> weakProtocols(SslContext context) {
		List<String> weak = new ArrayList<>();
		SSLEngine engine = context.newEngine(ByteBufAllocator.DEFAULT);
		try {
			for (String protocol : engine.getEnabledProtocols()) {
				if (!ALLOWED_PROTOCOLS.contains(protocol)) {
					weak.add(protocol);
				}
			}
		}
		finally {
			// An OpenSSL engine holds native memory; a JDK engine ignores this.
			ReferenceCountUtil.release(engine);
		}
		return weak;
	}

}
