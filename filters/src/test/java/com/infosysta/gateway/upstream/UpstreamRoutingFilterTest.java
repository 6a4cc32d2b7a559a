package com.infosysta.gateway.upstream;

import java.net.URI;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.infosysta.gateway.tenant.RegistryFileParser;
import com.infosysta.gateway.tenant.Tenant;
import com.infosysta.gateway.tenant.UpstreamAddressRules;

import static org.assertj.core.api.Assertions.assertThat;

final class UpstreamRoutingFilterTest {

	private static final Tenant TENANT = new RegistryFileParser(UpstreamAddressRules.STRICT)
		.parse("registry.yml", """
				tenants:
				  - id: acme
				    deployment: server
				    base-url: https://Jira.Acme.example/jira
				""".getBytes(StandardCharsets.UTF_8))
		.tenant("acme");

	@ParameterizedTest
	@CsvSource({ "https://jira.acme.example/jira/rest/api/2/myself, true",
			"https://JIRA.acme.example:443/jira/x, true", "https://jira.acme.example:8443/jira/x, false",
			"http://jira.acme.example/jira/x, false", "https://api.atlassian.com/ex/jira/x, false",
			"https://jira.acme.example.evil.example/jira/x, false", "https://backend.infosysta.example/x, false" })
	void usesTheTenantsClientOnlyForItsOwnHost(String target, boolean own) {
		assertThat(UpstreamRoutingFilter.isTenantsOwnHost(URI.create(target), TENANT)).isEqualTo(own);
	}

}
