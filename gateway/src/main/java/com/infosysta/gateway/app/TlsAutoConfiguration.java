package com.infosysta.gateway.app;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.config.GatewayAutoConfiguration;
import org.springframework.context.annotation.Bean;

import com.infosysta.gateway.tenant.ReloadingTenantRegistry;
import com.infosysta.gateway.tls.HstsProperties;
import com.infosysta.gateway.tls.ServerTlsCustomizer;
import com.infosysta.gateway.tls.StrictTransportSecurityFilter;
import com.infosysta.gateway.upstream.TenantHttpClients;
import com.infosysta.gateway.upstream.UpstreamProperties;

/**
 * TLS on both sides: the public server's checks and HSTS ({@code server.ssl.*} and Spring SSL bundles configure
 * the server itself), and the upstream clients of tenants with a private CA, rebuilt when the registry changes.
 */
@AutoConfiguration(after = { GatewayAutoConfiguration.class, TenantAutoConfiguration.class,
		UpstreamAutoConfiguration.class })
@EnableConfigurationProperties(HstsProperties.class)
public class TlsAutoConfiguration {

	@Bean
	ServerTlsCustomizer serverTlsCustomizer() {
		return new ServerTlsCustomizer();
	}

	@Bean
	StrictTransportSecurityFilter strictTransportSecurityFilter(HstsProperties properties) {
		return new StrictTransportSecurityFilter(properties);
	}

	@Bean(destroyMethod = "close")
	TenantHttpClients tenantHttpClients(UpstreamProperties properties, ReloadingTenantRegistry registry) {
		// Replaced clients stay open long enough for calls that picked them to get a connection.
		TenantHttpClients clients = new TenantHttpClients(properties, registry,
				properties.connectTimeout().plus(properties.pendingAcquireTimeout()));
		registry.onReload(clients::refresh);
		return clients;
	}

}
