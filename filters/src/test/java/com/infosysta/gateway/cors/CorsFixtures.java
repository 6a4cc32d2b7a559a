package com.infosysta.gateway.cors;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import com.infosysta.gateway.auth.AppCatalog;
import com.infosysta.gateway.auth.AuthProperties;
import com.infosysta.gateway.tenant.Registry;
import com.infosysta.gateway.tenant.RegistryFileParser;
import com.infosysta.gateway.tenant.UpstreamAddressRules;

/** A registry and an app catalog with CORS allow-lists, as the CORS filters' tests share them. */
final class CorsFixtures {

	static final String ADDIN = "https://addin.example.com";

	static final String APP_UI = "https://ui.example.com:8443";

	static final String STRANGER = "https://evil.example.net";

	static final List<String> DEFAULT_HEADERS = List.of("Accept", "Accept-Language", "Authorization",
			"Content-Language", "Content-Type", "X-Atlassian-Token", "X-ExperimentalApi", "X-Request-Id",
			"traceparent", "tracestate");

	final AtomicReference<Registry> registry = new AtomicReference<>(registry("""
			tenants:
			  - id: acme
			    deployment: server
			    base-url: https://jira.acme.example
			    cors-origins: [https://addin.example.com]
			  - id: globex
			    deployment: server
			    base-url: https://jira.globex.example
			"""));

	final AppCatalog apps = new AppCatalog(Map.of("outlook-to-jira",
			new AuthProperties.App("com.infosysta.outlook", null, null, null, null, List.of(), List.of(),
					List.of(APP_UI))),
			UpstreamAddressRules.STRICT);

	CorsPolicy policy(boolean allowCredentials) {
		return new CorsPolicy("/jira/", "/apps/", this.registry::get, this.apps,
				new CorsProperties(allowCredentials, Duration.ofMinutes(10), DEFAULT_HEADERS));
	}

	static Registry registry(String yaml) {
		return new RegistryFileParser(UpstreamAddressRules.STRICT).parse("registry.yml",
				yaml.getBytes(StandardCharsets.UTF_8));
	}

}
