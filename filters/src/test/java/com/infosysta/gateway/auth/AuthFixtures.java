package com.infosysta.gateway.auth;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.infosysta.gateway.tenant.Registry;
import com.infosysta.gateway.tenant.RegistryFileParser;
import com.infosysta.gateway.tenant.TenantRegistry;
import com.infosysta.gateway.tenant.UpstreamAddressRules;

/**
 * Tenants and apps as the gateway loads them: a registry parsed by the real {@link RegistryFileParser} from
 * YAML, and apps built by the real {@link AppCatalog}. Every secret is 32 fresh random bytes (base64url, so
 * 43 bytes of key), new for each test JVM.
 */
final class AuthFixtures {

	// First: the secrets below are drawn from it during class initialisation.
	private static final SecureRandom RANDOM = new SecureRandom();

	static final Instant NOW = Instant.parse("2026-11-20T10:15:30Z");

	static final String APP = "outlook-to-jira";

	static final String APP_KEY = "com.infosysta.outlook-to-jira";

	/** An app without a backend: it serves only {@code /apps/google-to-jira/jira/…}. */
	static final String JIRA_ONLY_APP = "google-to-jira";

	static final String PUBLIC_BASE_URL = "https://apps.infosysta.example/outlook";

	static final String FORGE_APP_ID = "0c2b5a9e-4f3d-4e8a-9b71-5d6e7f8a9b0c";

	static final String FORGE_AUDIENCE = "ari:cloud:ecosystem::app/" + FORGE_APP_ID;

	static final String ACME_SECRET = randomSecret();

	static final String GLOBEX_SECRET = randomSecret();

	static final String INITECH_SECRET = randomSecret();

	static final String HOOLI_SECRET = randomSecret();

	static final String BACKEND_SECRET = randomSecret();

	static final UUID GLOBEX_CLOUD_ID = UUID.fromString("5c3fa0e2-8d1b-4a47-9c1e-6f0d2b7a9e11");

	static final UUID INITECH_CLOUD_ID = UUID.fromString("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d");

	private AuthFixtures() {
	}

	/**
	 * acme: Cloud, Basic only, installed for outlook-to-jira. globex: Cloud with OAuth, installed for
	 * outlook-to-jira. initech: disabled, installed. hooli: installed for google-to-jira only. umbrella: Server/DC.
	 */
	static String registryYaml(String acmeSharedSecret) {
		return """
				tenants:
				  - id: acme
				    deployment: cloud
				    base-url: https://acme.atlassian.net
				    accept: [basic]
				    client-key: acme-key
				    apps:
				      outlook-to-jira: { shared-secret: %s }
				  - id: globex
				    deployment: cloud
				    base-url: https://globex.atlassian.net
				    cloud-id: %s
				    accept: [oauth, basic]
				    client-key: globex-key
				    apps:
				      outlook-to-jira: { shared-secret: "%s" }
				  - id: initech
				    deployment: cloud
				    base-url: https://initech.atlassian.net
				    cloud-id: %s
				    accept: [basic]
				    client-key: initech-key
				    enabled: false
				    apps:
				      outlook-to-jira: { shared-secret: "%s" }
				  - id: hooli
				    deployment: cloud
				    base-url: https://hooli.atlassian.net
				    accept: [basic]
				    client-key: hooli-key
				    apps:
				      google-to-jira: { shared-secret: "%s" }
				  - id: umbrella
				    deployment: server
				    base-url: https://jira.umbrella.example/jira
				    accept: [basic, pat]
				""".formatted(acmeSharedSecret, GLOBEX_CLOUD_ID, GLOBEX_SECRET, INITECH_CLOUD_ID, INITECH_SECRET,
				HOOLI_SECRET);
	}

	static Registry registry() {
		return parse(registryYaml("\"" + ACME_SECRET + "\""));
	}

	static Registry parse(String yaml) {
		return new RegistryFileParser(UpstreamAddressRules.STRICT).parse("registry.yml",
				yaml.getBytes(StandardCharsets.UTF_8));
	}

	static TenantRegistry tenants() {
		Registry registry = registry();
		return () -> registry;
	}

	static AuthProperties.App outlookApp() {
		return new AuthProperties.App(APP_KEY, URI.create("http://127.0.0.1:9/backend"), BACKEND_SECRET,
				URI.create(PUBLIC_BASE_URL), FORGE_APP_ID,
				List.of("GET /rest/api/3/issue/{key}", "POST /rest/api/3/issue"), List.of("/context/**"), List.of());
	}

	static AuthProperties.App jiraOnlyApp() {
		return new AuthProperties.App("com.infosysta.google-to-jira", null, null, null, null,
				List.of("GET /rest/api/3/myself"), List.of(), List.of());
	}

	static AppCatalog catalog() {
		return new AppCatalog(Map.of(APP, outlookApp(), JIRA_ONLY_APP, jiraOnlyApp()),
				new UpstreamAddressRules(true, true));
	}

	static String randomSecret() {
		byte[] bytes = new byte[32];
		RANDOM.nextBytes(bytes);
		return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
	}

	static byte[] secret(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

}
