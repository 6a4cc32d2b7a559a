package com.infosysta.gateway.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.infosysta.gateway.app.GatewayApplication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Upstream TLS against real TLS servers on loopback, with CAs and certificates made for this run: a tenant's
 * {@code ca-bundle-file} is the trust in use for that tenant and for no other, host names are checked, and a
 * changed bundle changes the trust on reload. Every refusal is a 502 before any request reached the upstream.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
final class UpstreamTlsIT {

	static final Path DIR = temporaryDirectory();

	static final TestCertificates CERTIFICATES = new TestCertificates(DIR);

	static final TestCertificates.Authority CA_A = CERTIFICATES.authority("private-ca-a");

	static final TestCertificates.Authority CA_B = CERTIFICATES.authority("private-ca-b");

	/** localhost, certified by CA A. */
	static final TlsUpstream JIRA_A = new TlsUpstream(CERTIFICATES.issue(CA_A, "jira-a", "localhost"));

	/** Certified by CA A for another host name. */
	static final TlsUpstream WRONG_HOST = new TlsUpstream(CERTIFICATES.issue(CA_A, "wrong-host", "jira.other.example"));

	/** localhost, self-signed. */
	static final TlsUpstream SELF_SIGNED = new TlsUpstream(CERTIFICATES.selfSigned("self-signed", "localhost"));

	static final Path REGISTRY = DIR.resolve("registry.yml");

	/** The bundle of tenant "switching", rewritten by the reload test. */
	static final Path SWITCHING_BUNDLE = DIR.resolve("switching.pem");

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) throws IOException {
		Files.copy(CA_B.pem(), SWITCHING_BUNDLE);
		writeRegistry("");
		registry.add("infosysta.gateway.registry-file", REGISTRY::toString);
		registry.add("infosysta.gateway.registry-poll-interval", () -> "100ms");
		registry.add("infosysta.gateway.upstream.allow-private-addresses", () -> "true");
		registry.add("management.server.port", () -> "0");
		registry.add(TestSecrets.SUBJECT_KEY_PROPERTY, () -> TestSecrets.SUBJECT_KEY_SECRET);
		registry.add("infosysta.gateway.rate-limit.failed-auth.burst", () -> "100000");
		// Every refused handshake is a failure; the breakers are ResilienceIT's subject, not this test's.
		registry.add("infosysta.gateway.breaker.window", () -> "100");
		registry.add("infosysta.gateway.breaker.minimum-calls", () -> "100");
	}

	@AfterAll
	static void stopUpstreams() {
		JIRA_A.close();
		WRONG_HOST.close();
		SELF_SIGNED.close();
	}

	@BeforeEach
	void clearUpstreams() {
		JIRA_A.clear();
		WRONG_HOST.clear();
		SELF_SIGNED.clear();
	}

	@Test
	void callsATenantsJiraCertifiedByItsOwnCa() {
		TestClient.Response response = get("with-a");

		assertThat(response.status()).isEqualTo(200);
		assertThat(JIRA_A.received()).containsExactly("/rest/api/2/myself");
	}

	@Test
	void neverLendsOneTenantsTrustToAnother() {
		// A connection to this very host is in tenant with-a's pool now...
		assertThat(get("with-a").status()).isEqualTo(200);
		JIRA_A.clear();

		// ...and neither a tenant with no bundle nor one with another CA gets to use it or trust that CA.
		assertRefusedBeforeAnyRequest(get("no-bundle"), JIRA_A);
		assertRefusedBeforeAnyRequest(get("with-b"), JIRA_A);
		assertThat(get("with-a").status()).isEqualTo(200);
	}

	@Test
	void checksTheHostName() {
		assertRefusedBeforeAnyRequest(get("wrong-host"), WRONG_HOST);
	}

	@Test
	void refusesASelfSignedCertificate() {
		assertRefusedBeforeAnyRequest(get("self-signed"), SELF_SIGNED);
		assertRefusedBeforeAnyRequest(get("self-signed-no-bundle"), SELF_SIGNED);
	}

	@Test
	void usesTheBundleNamedInTheRegistryAndFollowsItsChanges() throws IOException {
		assertRefusedBeforeAnyRequest(get("switching"), JIRA_A);

		// A bundle file's change is seen with the next change of the registry file (as for secret files).
		Files.writeString(SWITCHING_BUNDLE, TestCertificates.pem(CA_A.certificate()));
		writeRegistry("# bundle of 'switching' now CA A\n");
		await().atMost(Duration.ofSeconds(10)).until(() -> get("switching").status() == 200);
		assertThat(JIRA_A.received()).isNotEmpty();

		// And back: the connection opened under CA A is not reused once the tenant trusts CA B again.
		Files.writeString(SWITCHING_BUNDLE, TestCertificates.pem(CA_B.certificate()));
		writeRegistry("# bundle of 'switching' now CA B\n");
		await().atMost(Duration.ofSeconds(10)).until(() -> get("switching").status() == 502);
		JIRA_A.clear();
		assertRefusedBeforeAnyRequest(get("switching"), JIRA_A);
	}

	private TestClient.Response get(String tenant) {
		return new TestClient(this.port, headers -> headers.set("Authorization", TestClient.BASIC))
			.get("/jira/" + tenant + "/rest/api/2/myself");
	}

	private static void assertRefusedBeforeAnyRequest(TestClient.Response response, TlsUpstream upstream) {
		assertThat(response.status()).isEqualTo(502);
		assertThat(Json.object(response.body()).get("reason")).isEqualTo("upstream-unavailable");
		assertThat(upstream.received()).as("requests the upstream received").isEmpty();
	}

	private static void writeRegistry(String comment) throws IOException {
		Files.writeString(REGISTRY, comment + """
				tenants:
				  - id: with-a
				    deployment: server
				    base-url: %1$s
				    ca-bundle-file: "%4$s"
				  - id: no-bundle
				    deployment: server
				    base-url: %1$s
				  - id: with-b
				    deployment: server
				    base-url: %1$s
				    ca-bundle-file: "%5$s"
				  - id: wrong-host
				    deployment: server
				    base-url: %2$s
				    ca-bundle-file: "%4$s"
				  - id: self-signed
				    deployment: server
				    base-url: %3$s
				    ca-bundle-file: "%4$s"
				  - id: self-signed-no-bundle
				    deployment: server
				    base-url: %3$s
				  - id: switching
				    deployment: server
				    base-url: %1$s
				    ca-bundle-file: "%6$s"
				""".formatted(JIRA_A.baseUrl(), WRONG_HOST.baseUrl(), SELF_SIGNED.baseUrl(), CA_A.pem(), CA_B.pem(),
				SWITCHING_BUNDLE));
	}

	private static Path temporaryDirectory() {
		try {
			return Files.createTempDirectory("upstream-tls-it");
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
