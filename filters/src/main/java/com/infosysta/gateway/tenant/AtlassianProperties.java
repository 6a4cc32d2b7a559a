package com.infosysta.gateway.tenant;

import java.net.URI;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Atlassian's own endpoints; loopback URLs in tests.
 *
 * @param apiBaseUrl where OAuth (3LO) calls go, as {@code {api-base-url}/ex/jira/{cloud-id}/…}
 * @param installKeysUrl where Connect lifecycle keys are fetched by {@code kid}
 * @param forgeJwksUrl the Forge invocation tokens' key set
 */
@ConfigurationProperties("infosysta.gateway.atlassian")
public record AtlassianProperties(@DefaultValue("https://api.atlassian.com") URI apiBaseUrl,
		@DefaultValue("https://connect-install-keys.atlassian.com") URI installKeysUrl,
		@DefaultValue("https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json") URI forgeJwksUrl) {

	public AtlassianProperties {
		requireAbsolute(apiBaseUrl, "api-base-url");
		requireAbsolute(installKeysUrl, "install-keys-url");
		requireAbsolute(forgeJwksUrl, "forge-jwks-url");
	}

	private static void requireAbsolute(URI uri, String name) {
		if (uri == null || !uri.isAbsolute() || uri.getHost() == null) {
			throw new IllegalArgumentException("infosysta.gateway.atlassian." + name + ": '" + uri
					+ "' (expected: an absolute URL)");
		}
	}

	/** The API base as a checked upstream base URL, under the same rules as tenants' base URLs. */
	public BaseUrl apiBase(UpstreamAddressRules rules) {
		return RegistryFileParser.parseBaseUrl(this.apiBaseUrl.toString(), rules,
				"infosysta.gateway.atlassian.api-base-url");
	}

}
