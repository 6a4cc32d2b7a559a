package com.infosysta.gateway.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway as its own process, with TLS set up the way an operator does it (a PEM SSL bundle) in a JVM whose
 * defaults are weaker than the stock ones: its {@code java.security} lets TLS 1.0 and 1.1 through, and its
 * default trust store holds one test CA (so the shared upstream client, which uses the JVM's trust, can be
 * shown to check host names). Shows: TLS 1.2 and 1.3 only, HTTP/2 by ALPN, HSTS, host names checked by the
 * shared client, a tenant's bundle replacing (not adding to) the JVM's trust, and a start refused when the
 * server would accept TLS 1.1.
 */
@Timeout(300)
final class TlsDefaultsIT {

	/** The JDK 17 defaults without TLSv1 and TLSv1.1. */
	static final String WEAK_JAVA_SECURITY = "jdk.tls.disabledAlgorithms=SSLv3, RC4, DES, MD5withRSA,"
			+ " DH keySize < 1024, EC keySize < 224, 3DES_EDE_CBC, anon, NULL\n";

	@TempDir
	static Path dir;

	static TestCertificates.Authority gatewayCa;

	static TestCertificates.Authority jvmTrustedCa;

	static TestCertificates.Authority privateCa;

	/** localhost, certified by the CA in the gateway JVM's default trust store. */
	static TlsUpstream trusted;

	/** Another host name, certified by the same CA. */
	static TlsUpstream trustedWrongHost;

	static GatewayProcess gateway;

	static List<String> commonArguments;

	static Path weakSecurity;

	static Path trustStore;

	@BeforeAll
	static void start() throws Exception {
		TestCertificates certificates = new TestCertificates(dir);
		gatewayCa = certificates.authority("gateway-ca");
		jvmTrustedCa = certificates.authority("jvm-trusted-ca");
		privateCa = certificates.authority("private-ca");
		trusted = new TlsUpstream(certificates.issue(jvmTrustedCa, "trusted", "localhost"));
		trustedWrongHost = new TlsUpstream(certificates.issue(jvmTrustedCa, "trusted-wrong-host", "jira.other.example"));
		TestCertificates.Issued server = certificates.issue(gatewayCa, "gateway", "localhost");
		Path certificate = Files.writeString(dir.resolve("gateway-chain.pem"), server.chainPem());
		Path key = Files.writeString(dir.resolve("gateway-key.pem"), server.keyPem());
		weakSecurity = Files.writeString(dir.resolve("weak.java.security"), WEAK_JAVA_SECURITY);
		trustStore = trustStore(dir.resolve("jvm-trust.p12"), jvmTrustedCa);
		Path registry = Files.writeString(dir.resolve("registry.yml"), """
				tenants:
				  - id: trusted
				    deployment: server
				    base-url: %1$s
				  - id: trusted-wrong-host
				    deployment: server
				    base-url: %2$s
				  - id: private-ca
				    deployment: server
				    base-url: %1$s
				    ca-bundle-file: "%3$s"
				""".formatted(trusted.baseUrl(), trustedWrongHost.baseUrl(), privateCa.pem()));
		commonArguments = List.of("--infosysta.gateway.registry-file=" + registry,
				"--infosysta.gateway.upstream.allow-private-addresses=true",
				"--infosysta.gateway.rate-limit.failed-auth.burst=100000",
				"--" + TestSecrets.SUBJECT_KEY_PROPERTY + "=" + TestSecrets.SUBJECT_KEY_SECRET,
				"--server.ssl.bundle=gateway",
				"--spring.ssl.bundle.pem.gateway.keystore.certificate=file:" + certificate,
				"--spring.ssl.bundle.pem.gateway.keystore.private-key=file:" + key);
		List<String> arguments = new ArrayList<>(commonArguments);
		arguments.add("--spring.ssl.bundle.pem.gateway.options.enabled-protocols=TLSv1.3,TLSv1.2");
		gateway = GatewayProcess.start(jvmArguments(), arguments);
		try {
			gateway.awaitReady();
		}
		catch (RuntimeException ex) {
			throw new AssertionError("the gateway did not get ready:\n" + gateway.output(), ex);
		}
	}

	@AfterAll
	static void stop() throws Exception {
		if (gateway != null) {
			gateway.close();
		}
		trusted.close();
		trustedWrongHost.close();
	}

	@Test
	void refusesTls11EvenWhereTheJvmWouldAllowIt() throws IOException {
		assertThat(firstRecordType(clientHello(2))).as("answer to a TLS 1.1 ClientHello").isNotEqualTo(HANDSHAKE);
		assertThat(firstRecordType(clientHello(3))).as("answer to the same ClientHello as TLS 1.2")
			.isEqualTo(HANDSHAKE);
	}

	@Test
	void speaksHttp2OverTlsAndSendsHsts() {
		HttpClient h2 = HttpClient.create()
			.protocol(HttpProtocol.H2)
			.secure(spec -> spec.sslContext(Http2SslContextSpec.forClient()
				.configure(builder -> builder.trustManager(gatewayCa.certificate()))));

		Answer answer = get(h2, "/jira/trusted/rest/api/2/myself");

		assertThat(answer.status()).isEqualTo(200);
		assertThat(answer.version()).isEqualTo("HTTP/2.0");
		assertThat(answer.headers().get("Strict-Transport-Security")).isEqualTo("max-age=31536000");
	}

	@Test
	void servesTls12AndTls13Clients() {
		for (String protocol : List.of("TLSv1.2", "TLSv1.3")) {
			HttpClient client = HttpClient.create()
				.secure(spec -> spec.sslContext(Http11SslContextSpec.forClient()
					.configure(builder -> builder.trustManager(gatewayCa.certificate()).protocols(protocol))));

			Answer answer = get(client, "/jira/nobody/x");

			assertThat(answer.status()).as(protocol).isEqualTo(404);
			assertThat(answer.headers().get("Strict-Transport-Security")).as(protocol).isEqualTo("max-age=31536000");
		}
	}

	@Test
	void theSharedClientTrustsTheJvmStoreAndChecksHostNames() {
		trusted.clear();
		trustedWrongHost.clear();

		assertThat(get(h11(), "/jira/trusted/rest/api/2/myself").status()).isEqualTo(200);
		assertThat(trusted.received()).containsExactly("/rest/api/2/myself");

		assertThat(get(h11(), "/jira/trusted-wrong-host/rest/api/2/myself").status()).isEqualTo(502);
		assertThat(trustedWrongHost.received()).as("requests sent to a host with another name's certificate")
			.isEmpty();
	}

	@Test
	void aTenantsBundleReplacesTheJvmTrustRatherThanAddingToIt() {
		trusted.clear();

		Answer answer = get(h11(), "/jira/private-ca/rest/api/2/myself");

		assertThat(answer.status()).isEqualTo(502);
		assertThat(trusted.received()).isEmpty();
	}

	@Test
	void refusesToStartWhenTheServerWouldAcceptTls11() throws Exception {
		try (GatewayProcess weak = GatewayProcess.start(jvmArguments(), commonArguments)) {
			int exit = weak.awaitExit(Duration.ofSeconds(120));

			assertThat(exit).isNotZero();
			assertThat(weak.output()).contains("server TLS would accept [TLSv1.1, TLSv1]",
					"spring.ssl.bundle.pem.<bundle>.options.enabled-protocols=TLSv1.3,TLSv1.2");
		}
	}

	private static List<String> jvmArguments() {
		return List.of("-Djava.security.properties=" + weakSecurity, "-Djavax.net.ssl.trustStore=" + trustStore,
				"-Djavax.net.ssl.trustStoreType=PKCS12", "-Djavax.net.ssl.trustStorePassword=test-only");
	}

	private static HttpClient h11() {
		return HttpClient.create()
			.secure(spec -> spec.sslContext(Http11SslContextSpec.forClient()
				.configure(builder -> builder.trustManager(gatewayCa.certificate()))));
	}

	private static Answer get(HttpClient client, String path) {
		Answer answer = client.headers(headers -> headers.set("Authorization", TestClient.BASIC))
			.get()
			.uri("https://localhost:" + gateway.port + path)
			.responseSingle((response, body) -> body.asString()
				.defaultIfEmpty("")
				.map(text -> new Answer(response.status().code(), response.version().text(),
						response.responseHeaders().copy())))
			.block(Duration.ofSeconds(30));
		assertThat(answer).isNotNull();
		return answer;
	}

	record Answer(int status, String version, HttpHeaders headers) {
	}

	static final int HANDSHAKE = 0x16;

	/**
	 * Sends a hand-made ClientHello (the JDK client here cannot offer TLS 1.1 at all) and returns the type of the
	 * first record that comes back: 0x16 (handshake, a ServerHello) when the version is accepted, 0x15 (alert)
	 * or -1 (closed) when not.
	 */
	private static int firstRecordType(byte[] hello) throws IOException {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", gateway.port), 10_000);
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			out.write(hello);
			out.flush();
			InputStream in = socket.getInputStream();
			return in.read();
		}
	}

	/** A ClientHello for TLS 1.{minor - 1} with ECDSA suites and the extensions an EC P-256 server needs. */
	static byte[] clientHello(int minor) {
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		body.write(3);
		body.write(minor);
		byte[] random = new byte[32];
		new SecureRandom().nextBytes(random);
		body.writeBytes(random);
		body.write(0);
		// ECDHE-ECDSA with AES-128-GCM (TLS 1.2), AES-128/256-CBC-SHA (TLS 1.0-1.2), renegotiation SCSV.
		body.writeBytes(new byte[] { 0, 8, (byte) 0xc0, 0x2b, (byte) 0xc0, 0x09, (byte) 0xc0, 0x0a, 0x00,
				(byte) 0xff });
		body.writeBytes(new byte[] { 1, 0 });
		byte[] extensions = {
				// supported_groups: secp256r1
				0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17,
				// ec_point_formats: uncompressed
				0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,
				// signature_algorithms: ecdsa_secp256r1_sha256
				0x00, 0x0d, 0x00, 0x04, 0x00, 0x02, 0x04, 0x03 };
		body.write(extensions.length >> 8);
		body.write(extensions.length);
		body.writeBytes(extensions);
		byte[] handshakeBody = body.toByteArray();
		ByteArrayOutputStream record = new ByteArrayOutputStream();
		int handshakeLength = handshakeBody.length + 4;
		record.writeBytes(new byte[] { HANDSHAKE, 3, 1, (byte) (handshakeLength >> 8), (byte) handshakeLength });
		record.writeBytes(new byte[] { 1, 0, (byte) (handshakeBody.length >> 8), (byte) handshakeBody.length });
		record.writeBytes(handshakeBody);
		return record.toByteArray();
	}

	private static Path trustStore(Path file, TestCertificates.Authority authority)
			throws IOException, GeneralSecurityException {
		KeyStore store = KeyStore.getInstance("PKCS12");
		store.load(null, null);
		store.setCertificateEntry("jvm-trusted-ca", authority.certificate());
		try (OutputStream out = Files.newOutputStream(file)) {
			store.store(out, "test-only".toCharArray());
		}
		return file;
	}

}
