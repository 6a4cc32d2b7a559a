package com.infosysta.gateway.app;

import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

import com.infosysta.gateway.tenant.AtlassianProperties;
import com.infosysta.gateway.tenant.RegistryFileParser;
import com.infosysta.gateway.tenant.RegistryProperties;
import com.infosysta.gateway.tenant.ReloadingTenantRegistry;
import com.infosysta.gateway.upstream.UpstreamProperties;

/** The tenant registry file, its reload, and the readiness it decides. */
@AutoConfiguration
@EnableConfigurationProperties({ RegistryProperties.class, AtlassianProperties.class, UpstreamProperties.class })
public class TenantAutoConfiguration {

	@Bean(destroyMethod = "dispose")
	Scheduler registryPollScheduler() {
		// Reading a file blocks: never on an event loop.
		return Schedulers.newBoundedElastic(1, 4, "registry-poll", 60, true);
	}

	@Bean(destroyMethod = "close")
	ReloadingTenantRegistry tenantRegistry(RegistryProperties properties, UpstreamProperties upstream,
			MeterRegistry meters, Scheduler registryPollScheduler) {
		RegistryFileParser parser = new RegistryFileParser(upstream.addressRules());
		ReloadingTenantRegistry registry = new ReloadingTenantRegistry(properties.registryFile(), parser, meters);
		registry.startPolling(registryPollScheduler, properties.registryPollInterval());
		return registry;
	}

	/** Readiness and overall health depend on the registry alone, never on upstreams or Redis. */
	@Bean
	HealthIndicator registryHealthIndicator(ReloadingTenantRegistry registry) {
		return () -> Health.up()
			.withDetail("tenants", registry.current().tenants().size())
			.withDetail("contentHash", registry.current().contentHash())
			.build();
	}

}
