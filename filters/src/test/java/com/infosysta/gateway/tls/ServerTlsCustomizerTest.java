package com.infosysta.gateway.tls;

import java.nio.file.Path;
import java.security.cert.X509Certificate;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;

import com.infosysta.gateway.support.TestCertificates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

final class ServerTlsCustomizerTest {

	@TempDir
	static Path dir;

	static TestCertificates.Issued certificate;

	private final ServerTlsCustomizer customizer = new ServerTlsCustomizer();

	@BeforeAll
	static void makeCertificate() {
		certificate = new TestCertificates(dir).selfSigned("gateway", "gateway.example");
	}

	@Test
	void acceptsTls13And12() throws Exception {
		HttpServer server = HttpServer.create().secure(spec -> spec.sslContext(context("TLSv1.3", "TLSv1.2")));

		assertThat(this.customizer.apply(server)).isSameAs(server);
	}

	@Test
	void stopsTheStartWhenTheServerWouldAcceptOlderProtocols() throws Exception {
		HttpServer server = HttpServer.create()
			.secure(spec -> spec.sslContext(context("TLSv1.3", "TLSv1.2", "TLSv1.1")));

		assertThatIllegalStateException().isThrownBy(() -> this.customizer.apply(server))
			.withMessage("server TLS would accept [TLSv1.1] (expected: TLSv1.3 and TLSv1.2 only; set"
					+ " spring.ssl.bundle.pem.<bundle>.options.enabled-protocols=TLSv1.3,TLSv1.2)");
	}

	@Test
	void keepsThePlainTextPortToHttp11() {
		HttpServer server = HttpServer.create().protocol(HttpProtocol.HTTP11, HttpProtocol.H2C);

		assertThat(this.customizer.apply(server).configuration().protocols()).containsExactly(HttpProtocol.HTTP11);
	}

	private static SslContext context(String... protocols) {
		try {
			return SslContextBuilder.forServer(certificate.key(), certificate.chain().toArray(X509Certificate[]::new))
				.protocols(protocols)
				.build();
		}
		catch (javax.net.ssl.SSLException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
