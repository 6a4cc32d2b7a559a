package com.infosysta.gateway.auth;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Credentials: the subject-key secret, Connect's clock leeway, and the apps behind {@code /apps/{app}/…}.
 *
 * @param subjectKeySecret HMAC key for subject keys, the same on every replica, at least 32 bytes
 * @param connect Connect token settings
 * @param apps the apps by id (the path segment in {@code /apps/{app}})
 */
@ConfigurationProperties("infosysta.gateway")
public record AuthProperties(String subjectKeySecret, @DefaultValue Connect connect, Map<String, App> apps) {

	public AuthProperties {
		if (subjectKeySecret == null || subjectKeySecret.isBlank()) {
			throw new IllegalArgumentException("infosysta.gateway.subject-key-secret: missing (expected: a secret of at"
					+ " least 32 bytes, the same on every replica)");
		}
		apps = (apps != null) ? Map.copyOf(apps) : Map.of();
	}

	@Override
	public String toString() {
		return "AuthProperties[subjectKeySecret=redacted, connect=" + this.connect + ", apps=" + this.apps + "]";
	}

	/**
	 * @param leeway clock skew allowed on Connect and lifecycle tokens, at most 30 s
	 */
	public record Connect(@DefaultValue("30s") Duration leeway) {

		public Connect {
			if (leeway == null || leeway.isNegative() || leeway.compareTo(Duration.ofSeconds(30)) > 0) {
				throw new IllegalArgumentException("infosysta.gateway.connect.leeway: " + leeway
						+ " (expected: 0s to 30s)");
			}
		}

	}

	/**
	 * One app behind {@code /apps/{id}/…}.
	 *
	 * @param key the Connect app key, the {@code iss} of outbound Connect JWTs (required)
	 * @param backendUrl the app's backend; without it the app serves only {@code /apps/{id}/jira/…}
	 * @param backendSecret signs {@code X-Infosysta-Identity} for the backend, at least 32 bytes
	 * @param publicBaseUrl the app's public base URL, the {@code aud} of its lifecycle tokens
	 * @param forgeAppId the Forge app id ({@code ari:cloud:ecosystem::app/<uuid>} or the bare UUID)
	 * @param jiraCalls the Jira calls the app's UI may make, {@code METHOD /path/pattern}
	 * @param contextPaths where {@code context-qsh} tokens are accepted (patterns relative to {@code /apps/{id}})
	 * @param corsOrigins browser origins allowed to call the app's routes
	 */
	public record App(String key, URI backendUrl, String backendSecret, URI publicBaseUrl, String forgeAppId,
			List<String> jiraCalls, List<String> contextPaths, List<String> corsOrigins) {

		public App {
			jiraCalls = (jiraCalls != null) ? List.copyOf(jiraCalls) : List.of();
			contextPaths = (contextPaths != null) ? List.copyOf(contextPaths) : List.of();
			corsOrigins = (corsOrigins != null) ? List.copyOf(corsOrigins) : List.of();
		}

		@Override
		public String toString() {
			return "App[key=" + this.key + ", backendUrl=" + this.backendUrl + ", backendSecret=redacted]";
		}

	}

}
