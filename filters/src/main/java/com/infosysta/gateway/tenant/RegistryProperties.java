package com.infosysta.gateway.tenant;

import java.nio.file.Path;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where the registry file is and how often its content hash is checked.
 *
 * @param registryFile the YAML file with {@code plans:} and {@code tenants:}
 * @param registryPollInterval how often the file's content hash is compared
 */
@ConfigurationProperties("infosysta.gateway")
public record RegistryProperties(@DefaultValue("config/registry.yml") Path registryFile,
		@DefaultValue("2s") Duration registryPollInterval) {

	public RegistryProperties {
		if (registryFile == null) {
			throw new IllegalArgumentException("infosysta.gateway.registry-file: missing (expected: a path)");
		}
		if (registryPollInterval == null || registryPollInterval.toMillis() < 10) {
			throw new IllegalArgumentException("infosysta.gateway.registry-poll-interval: " + registryPollInterval
					+ " (expected: at least 10ms)");
		}
	}

}
