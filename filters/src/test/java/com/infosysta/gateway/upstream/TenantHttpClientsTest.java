package com.infosysta.gateway.upstream;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.SSLHandshakeException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

import com.infosysta.gateway.support.TestCertificates;
import com.infosysta.gateway.tenant.Registry;
import com.infosysta.gateway.tenant.RegistryFileParser;
import com.infosysta.gateway.tenant.Tenant;
import com.infosysta.gateway.tenant.UpstreamAddressRules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/** Real TLS servers on loopback with certificates made for the run; the clients are the gateway's own. */
final class TenantHttpClientsTest {

	private static final UpstreamProperties PROPERTIES = new UpstreamProperties(Duration.ofSeconds(2),
			Duration.ofSeconds(5), 10, Duration.ofSeconds(2), Duration.ofSeconds(50), false, true);

	@TempDir
	static Path dir;

	static TestCertificates.Authority caA;

	static TestCertificates.Authority caB;

	/** Certified by CA A for localhost. */
	static Upstream goodA;

	/** Certified by CA A, but for another host name. */
	static Upstream wrongHostA;

	/** Certified by nobody. */
	static Upstream selfSigned;

	private final AtomicReference<Registry> registry = new AtomicReference<>();

	private TenantHttpClients clients;

	@BeforeAll
	static void startUpstreams() {
		TestCertificates certificates = new TestCertificates(dir);
		caA = certificates.authority("tenant-ca-a");
		caB = certificates.authority("tenant-ca-b");
		goodA = new Upstream(certificates.issue(caA, "good-a", "localhost"));
		wrongHostA = new Upstream(certificates.issue(caA, "wrong-host-a", "jira.elsewhere.example"));
		selfSigned = new Upstream(certificates.selfSigned("self-signed", "localhost"));
	}

	@AfterAll
	static void stopUpstreams() {
		goodA.close();
		wrongHostA.close();
		selfSigned.close();
	}

	@AfterEach
	void closeClients() {
		if (this.clients != null) {
			this.clients.close();
		}
	}

	@Test
	void callsAnUpstreamCertifiedByTheTenantsOwnCa() {
		this.clients = clients(tenant("acme", caA.pem(), goodA));
		int before = goodA.calls.get();

		assertThat(get("acme", goodA)).isEqualTo("ok");
		assertThat(goodA.calls.get()).isEqualTo(before + 1);
	}

	@Test
	void trustsNothingButTheBundle() {
		this.clients = clients(tenant("acme", caB.pem(), goodA));
		int before = goodA.calls.get();

		assertThat(failure("acme", goodA)).isInstanceOf(SSLHandshakeException.class);
		assertThat(goodA.calls.get()).as("no request reached the upstream").isEqualTo(before);
	}

	@Test
	void checksTheHostNameAgainstTheCertificate() {
		this.clients = clients(tenant("acme", caA.pem(), wrongHostA));

		assertThat(failure("acme", wrongHostA)).isInstanceOf(SSLHandshakeException.class);
		assertThat(wrongHostA.calls.get()).isZero();
	}

	@Test
	void refusesASelfSignedCertificate() {
		this.clients = clients(tenant("acme", caA.pem(), selfSigned));

		assertThat(failure("acme", selfSigned)).isInstanceOf(SSLHandshakeException.class);
		assertThat(selfSigned.calls.get()).isZero();
	}

	@Test
	void keepsAClientWhileItsBundleIsUnchangedAndReplacesItWhenTheContentChanges() throws Exception {
		Path bundle = Files.copy(caB.pem(), dir.resolve("changing.pem"), StandardCopyOption.REPLACE_EXISTING);
		this.clients = clients(tenant("acme", bundle, goodA) + tenant("globex", caA.pem(), goodA));
		Tenant before = tenant("acme");
		HttpClient first = this.clients.client(before).block(Duration.ofSeconds(5));
		assertThat(failure("acme", goodA)).isInstanceOf(SSLHandshakeException.class);

		reload(tenant("acme", bundle, goodA) + tenant("globex", caA.pem(), goodA) + "# touched\n");
		assertThat(this.clients.client(tenant("acme")).block(Duration.ofSeconds(5))).isSameAs(first);

		Files.writeString(bundle, TestCertificates.pem(caA.certificate()));
		reload(tenant("acme", bundle, goodA) + tenant("globex", caA.pem(), goodA));
		HttpClient second = this.clients.client(tenant("acme")).block(Duration.ofSeconds(5));

		assertThat(second).isNotSameAs(first);
		assertThat(get("acme", goodA)).as("the new bundle is the one in use").isEqualTo("ok");
		assertThat(this.clients.size()).isEqualTo(2);
	}

	@Test
	void closesThePoolOfAReplacedOrRemovedClient() {
		this.clients = clients(tenant("acme", caA.pem(), goodA));
		assertThat(get("acme", goodA)).isEqualTo("ok");
		ConnectionProvider pool = this.clients.client(tenant("acme"))
			.block(Duration.ofSeconds(5))
			.configuration()
			.connectionProvider();
		assertThat(pool.isDisposed()).isFalse();

		reload(tenant("globex", caA.pem(), goodA));

		await().atMost(Duration.ofSeconds(10)).until(pool::isDisposed);
		assertThat(this.clients.size()).isOne();
	}

	@Test
	void givesEachTenantAPoolOfItsOwnEvenForTheSameBundle() {
		this.clients = clients(tenant("acme", caA.pem(), goodA) + tenant("globex", caA.pem(), goodA));

		ConnectionProvider acme = this.clients.client(tenant("acme"))
			.block(Duration.ofSeconds(5))
			.configuration()
			.connectionProvider();
		ConnectionProvider globex = this.clients.client(tenant("globex"))
			.block(Duration.ofSeconds(5))
			.configuration()
			.connectionProvider();

		assertThat(acme).isNotSameAs(globex);
	}

	@Test
	void buildsTheClientOfAVersionItHasNotSeenYet() {
		this.clients = clients(tenant("globex", caA.pem(), goodA));
		// The registry moved on; this replica's reload listener has not run yet.
		this.registry.set(parse(tenant("acme", caA.pem(), goodA)));

		assertThat(get("acme", goodA)).isEqualTo("ok");
	}

	private TenantHttpClients clients(String tenants) {
		this.registry.set(parse(tenants));
		return new TenantHttpClients(PROPERTIES, this.registry::get, Duration.ZERO);
	}

	private void reload(String tenants) {
		this.registry.set(parse(tenants));
		this.clients.refresh(this.registry.get());
	}

	private Tenant tenant(String id) {
		return this.registry.get().tenant(id);
	}

	private String get(String tenant, Upstream upstream) {
		return this.clients.client(tenant(tenant))
			.flatMap(client -> client.get()
				.uri("https://localhost:" + upstream.server.port() + "/rest/api/2/myself")
				.responseSingle((response, body) -> body.asString()))
			.block(Duration.ofSeconds(10));
	}

	private Throwable failure(String tenant, Upstream upstream) {
		Throwable failure = catchThrowable(() -> get(tenant, upstream));
		assertThat(failure).as("the call should have failed").isNotNull();
		while (failure.getCause() != null && !(failure instanceof SSLHandshakeException)) {
			failure = failure.getCause();
		}
		return failure;
	}

	private static String tenant(String id, Path bundle, Upstream upstream) {
		return """
				  - id: %s
				    deployment: server
				    base-url: https://localhost:%d
				    ca-bundle-file: "%s"
				""".formatted(id, upstream.server.port(), bundle);
	}

	private static Registry parse(String tenants) {
		return new RegistryFileParser(new UpstreamAddressRules(false, true)).parse("registry.yml",
				("tenants:\n" + tenants).getBytes(StandardCharsets.UTF_8));
	}

	/** A TLS upstream on loopback that counts the requests it received. */
	static final class Upstream implements AutoCloseable {

		final AtomicInteger calls = new AtomicInteger();

		final DisposableServer server;

		Upstream(TestCertificates.Issued certificate) {
			this.server = HttpServer.create()
				.host("127.0.0.1")
				.port(0)
				.secure(spec -> spec.sslContext(Http11SslContextSpec
					.forServer(certificate.key(), certificate.chain().toArray(X509Certificate[]::new))))
				.handle((request, response) -> {
					this.calls.incrementAndGet();
					return response.sendString(Mono.just("ok"));
				})
				.bindNow();
		}

		@Override
		public void close() {
			this.server.disposeNow();
		}

	}

}
