package com.infosysta.gateway.tenant;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.infosysta.gateway.support.TestCertificates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

final class RegistryFileParserTest {

	private static final String FILE = "registry.yml";

	/** 40 bytes: above the 32-byte minimum. */
	private static final String INLINE_SECRET = "inline-secret-0123456789-abcdefghijklmno";

	private static final String FILE_SECRET = "file-secret-0123456789-abcdefghijklmnopqrst";

	private static final String CLOUD_ID = "5c3fa0e2-8d1b-4a47-9c1e-6f0d2b7a9e11";

	private static final String SERVER_TENANT = """
			tenants:
			  - id: acme
			    deployment: server
			    base-url: %s
			""";

	private final RegistryFileParser strict = new RegistryFileParser(UpstreamAddressRules.STRICT);

	@TempDir
	Path dir;

	@TempDir
	static Path certificates;

	/** A real CA certificate in PEM, made once for the class (keytool takes a moment). */
	static TestCertificates.Authority authority;

	@BeforeAll
	static void makeAuthority() {
		authority = new TestCertificates(certificates).authority("registry-test-ca");
	}

	// --- a valid file ---

	@Test
	void parsesFullFileIntoTenantsAndPlans() throws IOException {
		Path secretFile = Files.writeString(this.dir.resolve("google.secret"), FILE_SECRET + "\n");
		Path caBundle = authority.pem();
		String yaml = """
				plans:
				  premium:
				    tenant: { rate: 500, burst: 1000, in-flight: 400 }
				    subject: { rate: 2.5, burst: 60 }
				tenants:
				  - id: acme
				    deployment: cloud
				    base-url: https://acme.atlassian.net
				    cloud-id: %s
				    accept: [oauth, basic]
				    client-key: 8c1f-client-key
				    apps:
				      outlook-to-jira: { shared-secret: "%s" }
				      google-to-jira: { shared-secret-file: "%s" }
				    plan: premium
				    enabled: true
				  - id: globex-2
				    deployment: server
				    base-url: https://Jira.Globex.example:8443/jira/
				    accept: [pat]
				    enabled: false
				    ca-bundle-file: "%s"
				    cors-origins: [https://Addin.Globex.example, "https://addin.globex.example:443"]
				""".formatted(CLOUD_ID, INLINE_SECRET, secretFile, caBundle);

		Registry registry = parse(yaml);

		Plan premium = new Plan("premium", new Plan.Limits(500, 1000, 400), new Plan.Limits(2.5, 60, 0));
		assertThat(registry.plans()).containsOnlyKeys("default", "premium")
			.containsEntry("premium", premium)
			.containsEntry("default", Plan.DEFAULT);
		assertThat(registry.tenants()).containsOnlyKeys("acme", "globex-2");
		Tenant acme = registry.tenant("acme");
		assertThat(acme).isEqualTo(new Tenant("acme", Deployment.CLOUD,
				new BaseUrl("https", "acme.atlassian.net", -1, ""), UUID.fromString(CLOUD_ID),
				EnumSet.of(CredentialKind.OAUTH, CredentialKind.BASIC), "8c1f-client-key",
				Map.of("outlook-to-jira", secrets(INLINE_SECRET), "google-to-jira", secrets(FILE_SECRET)), premium,
				true, null, Set.of()));
		assertThat(acme.apps().get("google-to-jira").secrets()).singleElement()
			.isEqualTo(FILE_SECRET.getBytes(StandardCharsets.UTF_8));
		assertThat(registry.tenantByClientKey("8c1f-client-key")).isSameAs(acme);

		Tenant globex = registry.tenant("globex-2");
		assertThat(globex).isEqualTo(new Tenant("globex-2", Deployment.SERVER,
				new BaseUrl("https", "jira.globex.example", 8443, "/jira"), null, EnumSet.of(CredentialKind.PAT), null,
				Map.of(), Plan.DEFAULT, false, CaBundle.read(caBundle), Set.of("https://addin.globex.example")));
		assertThat(globex.caBundle().certificates()).containsExactly(authority.certificate());
		assertThat(globex.baseUrl()).hasToString("https://jira.globex.example:8443/jira");
		assertThat(globex.accepts(CredentialKind.BASIC)).isFalse();
	}

	@Test
	void appliesDefaultsWhenFieldsAreLeftOut() {
		Registry registry = parse("""
				tenants:
				  - id: acme
				    deployment: cloud
				    base-url: https://acme.atlassian.net
				    cloud-id: %s
				  - id: globex
				    deployment: server
				    base-url: https://jira.globex.example
				""".formatted(CLOUD_ID));

		assertThat(registry.plans()).containsOnlyKeys("default");
		Plan plan = registry.plans().get("default");
		assertThat(plan.tenant()).isEqualTo(new Plan.Limits(50, 100, 100));
		assertThat(plan.subject().rate()).isEqualTo(5);
		assertThat(plan.subject().burst()).isEqualTo(20);

		Tenant acme = registry.tenant("acme");
		assertThat(acme.accept()).containsExactlyInAnyOrder(CredentialKind.OAUTH, CredentialKind.BASIC);
		assertThat(acme.plan()).isEqualTo(plan);
		assertThat(acme.enabled()).isTrue();
		assertThat(acme.apps()).isEmpty();
		assertThat(acme.clientKey()).isNull();
		assertThat(acme.caBundle()).isNull();
		assertThat(acme.corsOrigins()).isEmpty();

		Tenant globex = registry.tenant("globex");
		assertThat(globex.accept()).containsExactlyInAnyOrder(CredentialKind.BASIC, CredentialKind.PAT);
		assertThat(globex.cloudId()).isNull();
		assertThat(globex.enabled()).isTrue();
	}

	@Test
	void defaultsInFlightOfPlanTo100() {
		Registry registry = parse("""
				plans:
				  small: { tenant: { rate: 0.5, burst: 2 }, subject: { rate: 1, burst: 1 } }
				tenants: []
				""");

		assertThat(registry.plans().get("small").tenant()).isEqualTo(new Plan.Limits(0.5, 2, 100));
		assertThat(registry.tenants()).isEmpty();
	}

	@Test
	void acceptsTwoSecretsDuringRotation() {
		String next = "next-secret-0123456789-abcdefghijklmnopqr";
		Registry registry = parse(cloudTenantWithApp("{ shared-secret: [\"%s\", \"%s\"] }".formatted(next,
				INLINE_SECRET)));

		SharedSecrets secrets = registry.tenant("acme").apps().get("outlook-to-jira");
		assertThat(secrets.count()).isEqualTo(2);
		assertThat(secrets.secrets()).containsExactly(next.getBytes(StandardCharsets.UTF_8),
				INLINE_SECRET.getBytes(StandardCharsets.UTF_8));
	}

	@Test
	void acceptsHttpBaseUrlOnlyWhenAllowed() {
		Registry registry = new RegistryFileParser(new UpstreamAddressRules(true, false)).parse(FILE,
				bytes(SERVER_TENANT.formatted("http://jira.example.com/jira")));

		assertThat(registry.tenant("acme").baseUrl()).isEqualTo(new BaseUrl("http", "jira.example.com", -1, "/jira"));
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://127.0.0.1", "https://[::1]", "https://10.1.2.3", "https://169.254.169.254",
			"https://192.168.0.10:8443/jira" })
	void acceptsPrivateAddressesOnlyWhenAllowed(String baseUrl) {
		RegistryFileParser lenient = new RegistryFileParser(new UpstreamAddressRules(false, true));

		Registry registry = lenient.parse(FILE, bytes(SERVER_TENANT.formatted(baseUrl)));

		assertThat(registry.tenant("acme").baseUrl().toString()).isEqualTo(baseUrl);
	}

	@Test
	void hashesTheFileBytesWithSha256() throws NoSuchAlgorithmException {
		byte[] content = bytes(SERVER_TENANT.formatted("https://jira.example.com"));

		Registry registry = this.strict.parse(FILE, content);

		String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
		assertThat(registry.contentHash()).isEqualTo(expected).hasSize(64);
	}

	@Test
	void parsesFileFromDisk() throws IOException {
		Path file = Files.writeString(this.dir.resolve("registry.yml"), SERVER_TENANT.formatted("https://j.example"));

		assertThat(this.strict.parse(file).tenant("acme")).isNotNull();
	}

	@Test
	void neverShowsSecretsInToString() {
		Registry registry = parse(cloudTenantWithApp("{ shared-secret: \"%s\" }".formatted(INLINE_SECRET)));
		Tenant acme = registry.tenant("acme");

		assertThat(acme.apps().get("outlook-to-jira").toString()).doesNotContain(INLINE_SECRET)
			.doesNotContain("inline-secret");
		assertThat(acme.toString()).contains("acme").doesNotContain(INLINE_SECRET).doesNotContain("inline-secret");
	}

	// --- the file as a whole ---

	@Test
	void refusesInvalidYaml() {
		assertThat(failure("tenants: [\n  - id: acme\n")).startsWith("registry file 'registry.yml': is not valid YAML")
			.contains("line");
	}

	@Test
	void doesNotQuoteSecretsFromInvalidYaml() {
		String message = failure("""
				tenants:
				  - id: acme
				    apps:
				      x: { shared-secret: "%s" }, oops
				""".formatted(INLINE_SECRET));

		assertThat(message).contains("is not valid YAML").doesNotContain(INLINE_SECRET);
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "   \n", "# only a comment\n" })
	void refusesEmptyFile(String content) {
		assertThat(failure(content)).isEqualTo(
				"registry file 'registry.yml': is empty (expected: the root keys 'tenants' and optionally 'plans')");
	}

	@Test
	void refusesUnknownRootKey() {
		assertThat(failure("tenants: []\ntenant: []\n"))
			.startsWith("registry file 'registry.yml': tenant: is not a known field")
			.contains("plans, tenants");
	}

	@Test
	void refusesMissingTenants() {
		assertThat(failure("plans: {}\n")).startsWith("registry file 'registry.yml': tenants: is missing");
	}

	@Test
	void refusesDuplicateYamlKey() {
		assertThat(failure("""
				tenants:
				  - id: acme
				    deployment: server
				    base-url: https://a.example
				    base-url: https://b.example
				""")).startsWith("registry file 'registry.yml': is not valid YAML").contains("duplicate key");
	}

	// --- tenant fields ---

	@Test
	void refusesUnknownTenantField() {
		assertThat(failure("""
				tenants:
				  - id: acme
				    deployment: server
				    baseurl: https://jira.example.com
				""")).startsWith("registry file 'registry.yml': tenants[0] (id 'acme'): baseurl: is not a known field")
			.contains("base-url");
	}

	@ParameterizedTest
	@ValueSource(strings = { "ACME", "acme_corp", "acme.corp", "a/b",
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" })
	void refusesInvalidTenantId(String id) {
		assertThat(failure("""
				tenants:
				  - id: "%s"
				    deployment: server
				    base-url: https://jira.example.com
				""".formatted(id))).isEqualTo("registry file 'registry.yml': tenants[0] (id '" + id + "'): id: '" + id
						+ "' is not valid (expected: [a-z0-9-]{1,63})");
	}

	@Test
	void acceptsTenantIdOf63Characters() {
		String id = "a".repeat(63);
		assertThat(parse("""
				tenants:
				  - id: %s
				    deployment: server
				    base-url: https://jira.example.com
				""".formatted(id)).tenant(id)).isNotNull();
	}

	@Test
	void refusesMissingId() {
		assertThat(failure("""
				tenants:
				  - deployment: server
				    base-url: https://jira.example.com
				""")).isEqualTo("registry file 'registry.yml': tenants[0]: id: is missing");
	}

	@Test
	void refusesDuplicateTenantId() {
		assertThat(failure("""
				tenants:
				  - id: acme
				    deployment: server
				    base-url: https://a.example
				  - id: acme
				    deployment: server
				    base-url: https://b.example
				""")).startsWith("registry file 'registry.yml': tenants[1] (id 'acme'): id: 'acme' is already used by"
						+ " tenants[0]");
	}

	@Test
	void refusesDuplicateClientKey() {
		assertThat(failure("""
				tenants:
				  - id: acme
				    deployment: cloud
				    base-url: https://acme.atlassian.net
				    accept: [basic]
				    client-key: same-key
				  - id: beta
				    deployment: cloud
				    base-url: https://beta.atlassian.net
				    accept: [basic]
				    client-key: same-key
				""")).startsWith("registry file 'registry.yml': tenants[1] (id 'beta'): client-key: is already used by"
						+ " tenant 'acme'");
	}

	@Test
	void refusesUnknownDeployment() {
		assertThat(failure("""
				tenants:
				  - id: acme
				    deployment: onprem
				    base-url: https://jira.example.com
				""")).isEqualTo("registry file 'registry.yml': tenants[0] (id 'acme'): deployment: 'onprem' is not"
						+ " valid (expected: cloud or server)");
	}

	@Test
	void refusesHttpBaseUrlNamingAllowHttp() {
		assertThat(failure(SERVER_TENANT.formatted("http://x")))
			.startsWith("registry file 'registry.yml': tenants[0] (id 'acme'): base-url: 'http://x' is not allowed"
					+ " (expected: ")
			.contains("allow-http");
	}

	@Test
	void refusesBaseUrlWithUserInfoWithoutShowingIt() {
		assertThat(failure(SERVER_TENANT.formatted("https://admin:hunter2@jira.example.com")))
			.startsWith("registry file 'registry.yml': tenants[0] (id 'acme'): base-url: must not contain user-info")
			.doesNotContain("hunter2");
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://jira.example.com/jira?x=1", "https://jira.example.com/jira#top",
			"https://jira.example.com?" })
	void refusesBaseUrlWithQueryOrFragment(String baseUrl) {
		assertThat(failure(SERVER_TENANT.formatted(baseUrl)))
			.isEqualTo("registry file 'registry.yml': tenants[0] (id 'acme'): base-url: '" + baseUrl
					+ "' must not have a query or fragment");
	}

	@ParameterizedTest
	@ValueSource(strings = { "/jira", "jira.example.com", "ftp://jira.example.com", "https:jira" })
	void refusesBaseUrlThatIsNotAbsoluteHttps(String baseUrl) {
		assertThat(failure(SERVER_TENANT.formatted(baseUrl)))
			.startsWith("registry file 'registry.yml': tenants[0] (id 'acme'): base-url: '" + baseUrl + "' ");
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://127.0.0.1", "https://[::1]", "https://10.1.2.3", "https://169.254.169.254",
			"https://[::ffff:127.0.0.1]", "https://[fd00:ec2::254]", "https://100.100.100.200" })
	void refusesNonPublicAddressUnderStrictRules(String baseUrl) {
		assertThat(failure(SERVER_TENANT.formatted(baseUrl)))
			.startsWith("registry file 'registry.yml': tenants[0] (id 'acme'): base-url: '" + baseUrl + "' is a"
					+ " loopback, private, link-local or otherwise non-public address")
			.contains("allow-private-addresses");
	}

	@Test
	void refusesOctalLookingIpv4Address() {
		assertThat(failure(SERVER_TENANT.formatted("https://0177.0.0.1")))
			.startsWith("registry file 'registry.yml': tenants[0] (id 'acme'): base-url: 'https://0177.0.0.1' ")
			.containsAnyOf("ambiguous IPv4 address", "not a plain DNS name or IP address");
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://127.000.0.1", "https://10.0.0.01", "https://010.0.0.1" })
	void refusesAmbiguousIpv4Address(String baseUrl) {
		assertThat(failure(SERVER_TENANT.formatted(baseUrl)))
			.startsWith("registry file 'registry.yml': tenants[0] (id 'acme'): base-url: '" + baseUrl + "'")
			.contains("ambiguous IPv4 address");
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://2130706433", "https://127.1", "https://0x7f000001", "https://0x7f.0.0.1",
			"https://1.2.3", "https://256.1.1.1", "https://jira.example.com." })
	void refusesNumericOrOddHosts(String baseUrl) {
		assertThat(failure(SERVER_TENANT.formatted(baseUrl)))
			.startsWith("registry file 'registry.yml': tenants[0] (id 'acme'): base-url: '" + baseUrl + "'")
			.containsAnyOf("not a plain DNS name or IP address", "no valid host name");
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://jira.example.com/jira/..", "https://jira.example.com/a/../b",
			"https://jira.example.com/jira/%2e", "https://jira.example.com/a%2fb", "https://jira.example.com//jira",
			"https://jira.example.com/./jira", "https://jira.example.com/a;b" })
	void refusesContextPathThatIsNotPlain(String baseUrl) {
		assertThat(failure(SERVER_TENANT.formatted(baseUrl)))
			.startsWith("registry file 'registry.yml': tenants[0] (id 'acme'): base-url: '" + baseUrl + "' has a"
					+ " context path that is not plain");
	}

	@ParameterizedTest
	@ValueSource(strings = { "not-a-uuid", "1-1-1-1-1", "5c3fa0e28d1b4a479c1e6f0d2b7a9e11" })
	void refusesCloudIdThatIsNotUuid(String cloudId) {
		assertThat(failure("""
				tenants:
				  - id: acme
				    deployment: cloud
				    base-url: https://acme.atlassian.net
				    cloud-id: "%s"
				""".formatted(cloudId))).isEqualTo("registry file 'registry.yml': tenants[0] (id 'acme'): cloud-id: '"
						+ cloudId + "' is not a UUID (expected: 8-4-4-4-12 hex digits)");
	}

	@Test
	void refusesOauthWithoutCloudId() {
		assertThat(failure("""
				tenants:
				  - id: acme
				    deployment: cloud
				    base-url: https://acme.atlassian.net
				    accept: [oauth]
				""")).startsWith("registry file 'registry.yml': tenants[0] (id 'acme'): cloud-id: is missing")
			.contains("oauth");
	}

	@Test
	void refusesDefaultCloudAcceptWithoutCloudId() {
		assertThat(failure("""
				tenants:
				  - id: acme
				    deployment: cloud
				    base-url: https://acme.atlassian.net
				""")).startsWith("registry file 'registry.yml': tenants[0] (id 'acme'): cloud-id: is missing");
	}

	@Test
	void refusesOauthOnServerTenant() {
		assertThat(failure("""
				tenants:
				  - id: acme
				    deployment: server
				    base-url: https://jira.example.com
				    accept: [basic, oauth]
				""")).startsWith("registry file 'registry.yml': tenants[0] (id 'acme'): accept: oauth is for cloud"
						+ " tenants only");
	}

	@Test
	void refusesPatOnCloudTenant() {
		assertThat(failure("""
				tenants:
				  - id: acme
				    deployment: cloud
				    base-url: https://acme.atlassian.net
				    accept: [basic, pat]
				""")).startsWith("registry file 'registry.yml': tenants[0] (id 'acme'): accept: pat is for server"
						+ " tenants only");
	}

	@ParameterizedTest
	@ValueSource(strings = { "[]", "[token]", "basic" })
	void refusesInvalidAccept(String accept) {
		assertThat(failure("""
				tenants:
				  - id: acme
				    deployment: server
				    base-url: https://jira.example.com
				    accept: %s
				""".formatted(accept))).startsWith("registry file 'registry.yml': tenants[0] (id 'acme'): accept: ");
	}

	@Test
	void refusesUndefinedPlanListingDefinedPlans() {
		assertThat(failure("""
				plans:
				  premium: { tenant: { rate: 500, burst: 1000 }, subject: { rate: 20, burst: 60 } }
				tenants:
				  - id: acme
				    deployment: server
				    base-url: https://jira.example.com
				    plan: gold
				""")).startsWith("registry file 'registry.yml': tenants[0] (id 'acme'): plan: 'gold' is not defined")
			.contains("default")
			.contains("premium");
	}

	@Test
	void refusesZeroRate() {
		assertThat(failure(plan("{ rate: 0, burst: 10 }", "{ rate: 1, burst: 1 }")))
			.contains("premium: tenant: rate: '0' is not valid (expected: a number from 0.001 to 1000000, per second)");
	}

	@ParameterizedTest
	@ValueSource(strings = { "-1", "0", "1.5", "'10'" })
	void refusesBurstThatIsNotPositiveWholeNumber(String burst) {
		assertThat(failure(plan("{ rate: 1, burst: 10 }", "{ rate: 1, burst: " + burst + " }")))
			.contains("premium: subject: burst: '")
			.contains("is not valid (expected: a whole number > 0)");
	}

	@ParameterizedTest
	@ValueSource(strings = { ".inf", ".nan", "-2", "fast" })
	void refusesRateThatIsNotPositiveFiniteNumber(String rate) {
		assertThat(failure(plan("{ rate: " + rate + ", burst: 10 }", "{ rate: 1, burst: 1 }")))
			.contains("premium: tenant: rate: '")
			.contains("is not valid");
	}

	@Test
	void refusesInFlightOfZero() {
		assertThat(failure(plan("{ rate: 1, burst: 10, in-flight: 0 }", "{ rate: 1, burst: 1 }")))
			.contains("premium: tenant: in-flight: '0' is not valid");
	}

	@Test
	void refusesInFlightOnSubjectLimits() {
		assertThat(failure(plan("{ rate: 1, burst: 10 }", "{ rate: 1, burst: 1, in-flight: 5 }")))
			.contains("premium: subject: in-flight: is not a known field");
	}

	@Test
	void namesPlanFieldOncePerLevel() {
		assertThat(failure(plan("{ rate: 0, burst: 10 }", "{ rate: 1, burst: 1 }")))
			.startsWith("registry file 'registry.yml': plans.premium: tenant: rate: ");
	}

	@Test
	void refusesShortSharedSecretGivingLengthNotValue() {
		String shortSecret = "too-short-secret";
		String message = failure(cloudTenantWithApp("{ shared-secret: \"%s\" }".formatted(shortSecret)));

		assertThat(message)
			.isEqualTo("registry file 'registry.yml': tenants[0] (id 'acme'): apps: outlook-to-jira: shared-secret: is"
					+ " 16 bytes long (expected: at least 32 bytes, as HS256 needs)")
			.doesNotContain(shortSecret);
	}

	@Test
	void refusesShortSecretFromFileWithoutShowingIt() throws IOException {
		Path secretFile = Files.writeString(this.dir.resolve("short.secret"), "short-file-secret\n");

		String message = failure(cloudTenantWithApp("{ shared-secret-file: \"%s\" }".formatted(secretFile)));

		assertThat(message).contains("apps: outlook-to-jira: shared-secret-file: is 17 bytes long")
			.doesNotContain("short-file-secret");
	}

	@Test
	void refusesThreeSecrets() {
		assertThat(failure(cloudTenantWithApp("{ shared-secret: [\"%1$s\", \"%1$s\", \"%1$s\"] }".formatted(
				INLINE_SECRET))))
			.contains("tenants[0] (id 'acme'): apps: outlook-to-jira: shared-secret: has 3 entries")
			.doesNotContain(INLINE_SECRET);
	}

	@Test
	void refusesBothInlineSecretAndSecretFile() throws IOException {
		Path secretFile = Files.writeString(this.dir.resolve("s.secret"), FILE_SECRET);

		assertThat(failure(cloudTenantWithApp("{ shared-secret: \"%s\", shared-secret-file: \"%s\" }"
			.formatted(INLINE_SECRET, secretFile))))
			.isEqualTo("registry file 'registry.yml': tenants[0] (id 'acme'): apps: outlook-to-jira: needs exactly one"
					+ " of 'shared-secret' and 'shared-secret-file'");
	}

	@Test
	void refusesUnreadableSecretFile() {
		Path missing = this.dir.resolve("missing.secret");

		assertThat(failure(cloudTenantWithApp("{ shared-secret-file: \"%s\" }".formatted(missing))))
			.isEqualTo("registry file 'registry.yml': tenants[0] (id 'acme'): apps: outlook-to-jira:"
					+ " shared-secret-file: '" + missing + "' cannot be read");
	}

	@Test
	void refusesAppsWithoutClientKey() {
		assertThat(failure("""
				tenants:
				  - id: acme
				    deployment: cloud
				    base-url: https://acme.atlassian.net
				    accept: [basic]
				    apps:
				      outlook-to-jira: { shared-secret: "%s" }
				""".formatted(INLINE_SECRET)))
			.startsWith("registry file 'registry.yml': tenants[0] (id 'acme'): client-key: is missing")
			.doesNotContain(INLINE_SECRET);
	}

	@Test
	void refusesEnabledAsString() {
		assertThat(failure("""
				tenants:
				  - id: acme
				    deployment: server
				    base-url: https://jira.example.com
				    enabled: "yes"
				""")).isEqualTo("registry file 'registry.yml': tenants[0] (id 'acme'): enabled: 'yes' is not valid"
						+ " (expected: true or false)");
	}

	@Test
	void refusesCaBundleOnCloudTenant() throws IOException {
		Path caBundle = Files.writeString(this.dir.resolve("ca.pem"), "pem");

		assertThat(failure("""
				tenants:
				  - id: acme
				    deployment: cloud
				    base-url: https://acme.atlassian.net
				    accept: [basic]
				    ca-bundle-file: "%s"
				""".formatted(caBundle)))
			.startsWith("registry file 'registry.yml': tenants[0] (id 'acme'): ca-bundle-file: is only for server"
					+ " tenants");
	}

	@Test
	void refusesUnreadableCaBundle() {
		Path missing = this.dir.resolve("missing-ca.pem");

		assertThat(failure("""
				tenants:
				  - id: acme
				    deployment: server
				    base-url: https://jira.example.com
				    ca-bundle-file: "%s"
				""".formatted(missing)))
			.isEqualTo("registry file 'registry.yml': tenants[0] (id 'acme'): ca-bundle-file: '" + missing
					+ "' cannot be read");
	}

	@Test
	void refusesCaBundleWithoutCertificates() throws IOException {
		Path notPem = Files.writeString(this.dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\nnot base64\n");

		assertThat(failure(SERVER_TENANT.formatted("https://jira.example.com") + "    ca-bundle-file: \"" + notPem
				+ "\"\n"))
			.isEqualTo("registry file 'registry.yml': tenants[0] (id 'acme'): ca-bundle-file: '" + notPem
					+ "' is not a bundle of X.509 certificates (expected: PEM blocks -----BEGIN CERTIFICATE-----)");
	}

	@Test
	void refusesEmptyCaBundle() throws IOException {
		Path empty = Files.writeString(this.dir.resolve("empty.pem"), "");

		assertThat(failure(SERVER_TENANT.formatted("https://jira.example.com") + "    ca-bundle-file: \"" + empty
				+ "\"\n"))
			.isEqualTo("registry file 'registry.yml': tenants[0] (id 'acme'): ca-bundle-file: '" + empty
					+ "' holds no certificate (expected: PEM blocks -----BEGIN CERTIFICATE-----)");
	}

	@Test
	void readsEveryCertificateOfABundleAndItsHash() throws IOException {
		TestCertificates.Authority second = new TestCertificates(this.dir).authority("second-ca");
		String pem = TestCertificates.pem(authority.certificate(), second.certificate());
		Path bundle = Files.writeString(this.dir.resolve("bundle.pem"), pem);

		Tenant tenant = parse(SERVER_TENANT.formatted("https://jira.example.com") + "    ca-bundle-file: \"" + bundle
				+ "\"\n").tenant("acme");

		assertThat(tenant.caBundle().file()).isEqualTo(bundle);
		assertThat(tenant.caBundle().certificates()).containsExactly(authority.certificate(), second.certificate());
		assertThat(tenant.caBundle().sha256()).isEqualTo(RegistryFileParser.sha256(bytes(pem)));
	}

	@ParameterizedTest
	@ValueSource(strings = { "'*'", "https://*.example.com", "https://addin.example.com/",
			"https://addin.example.com/path", "null", "addin.example.com", "https://user@addin.example.com",
			"'https://addin.example.com?x'", "ftp://addin.example.com", "https://addin.example.com:0",
			"https://addin.example.com:70000", "https://ädd.example.com", "'https://[::1]'", "https://1.2.3",
			"https://-addin.example.com", "'https://addin.example.com '" })
	void refusesCorsOriginsThatAreNotExactOrigins(String origin) {
		assertThat(failure(SERVER_TENANT.formatted("https://jira.example.com") + "    cors-origins: [" + origin
				+ "]\n"))
			.startsWith("registry file 'registry.yml': tenants[0] (id 'acme'): cors-origins: '");
	}

	@Test
	void refusesCorsOriginsThatAreNotAList() {
		assertThat(failure(SERVER_TENANT.formatted("https://jira.example.com")
				+ "    cors-origins: https://addin.example.com\n"))
			.isEqualTo("registry file 'registry.yml': tenants[0] (id 'acme'): cors-origins: is not a list (expected:"
					+ " a list of origins such as https://addin.example.com)");
	}

	@Test
	void acceptsHttpOriginsOnlyWithAllowHttp() {
		String yaml = SERVER_TENANT.formatted("https://jira.example.com")
				+ "    cors-origins: [\"http://localhost:3000\", \"https://127.0.0.1:8443\"]\n";

		assertThat(failure(yaml)).isEqualTo("registry file 'registry.yml': tenants[0] (id 'acme'): cors-origins:"
				+ " 'http://localhost:3000' is not allowed (expected: an https origin; http needs"
				+ " infosysta.gateway.upstream.allow-http=true)");
		Tenant tenant = new RegistryFileParser(new UpstreamAddressRules(true, false)).parse(FILE, bytes(yaml))
			.tenant("acme");
		assertThat(tenant.corsOrigins()).containsExactlyInAnyOrder("http://localhost:3000", "https://127.0.0.1:8443");
	}

	@Test
	void namesFileAndSecondEntryInMessage() {
		assertThat(failure("""
				tenants:
				  - id: first
				    deployment: server
				    base-url: https://jira.example.com
				  - id: acme
				    deployment: server
				    base-url: http://x
				""")).startsWith("registry file 'registry.yml': tenants[1] (id 'acme'): base-url: 'http://x' is not"
						+ " allowed (expected: ");
	}

	@Test
	void namesPathOfUnreadableRegistryFile() {
		Path missing = this.dir.resolve("absent.yml");

		RegistryException failure = catchThrowableOfType(RegistryException.class, () -> this.strict.parse(missing));

		assertThat(failure).isNotNull();
		assertThat(failure.getMessage()).startsWith("registry file '" + missing + "': cannot be read");
	}

	// --- helpers ---

	private Registry parse(String yaml) {
		return this.strict.parse(FILE, bytes(yaml));
	}

	private String failure(String yaml) {
		RegistryException failure = catchThrowableOfType(RegistryException.class, () -> parse(yaml));
		assertThat(failure).as("the file should have been refused").isNotNull();
		return failure.getMessage();
	}

	private static String cloudTenantWithApp(String installation) {
		return """
				tenants:
				  - id: acme
				    deployment: cloud
				    base-url: https://acme.atlassian.net
				    accept: [basic]
				    client-key: 8c1f-client-key
				    apps:
				      outlook-to-jira: %s
				""".formatted(installation);
	}

	private static String plan(String tenantLimits, String subjectLimits) {
		return """
				plans:
				  premium: { tenant: %s, subject: %s }
				tenants: []
				""".formatted(tenantLimits, subjectLimits);
	}

	private static SharedSecrets secrets(String... secrets) {
		return new SharedSecrets(List.of(secrets).stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList());
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

}
