package com.infosysta.gateway.app;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.http.client.HttpClient;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.cloud.gateway.config.GatewayAutoConfiguration;
import org.springframework.cloud.gateway.config.HttpClientProperties;
import org.springframework.context.annotation.Bean;

import com.infosysta.gateway.upstream.PoolMeters;
import com.infosysta.gateway.upstream.TenantHttpClients;
import com.infosysta.gateway.upstream.UpstreamFailureClassifier;
import com.infosysta.gateway.upstream.UpstreamHttpClientFactory;
import com.infosysta.gateway.upstream.UpstreamProperties;
import com.infosysta.gateway.upstream.UpstreamRoutingFilter;

/**
 * The upstream HTTP client (replacing Spring Cloud Gateway's, whose pool and timeouts are not ours), the proxy
 * step that uses it (with its header rules), and the mapping of upstream failures to 502/504.
 */
@AutoConfiguration(before = GatewayAutoConfiguration.class, after = TenantAutoConfiguration.class)
public class UpstreamAutoConfiguration {

	private static final Logger log = LoggerFactory.getLogger(UpstreamAutoConfiguration.class);

	@Bean
	HttpClient upstreamHttpClient(UpstreamProperties properties, MeterRegistry meters) {
		warnAboutUnsafeSettings(properties, meters);
		return UpstreamHttpClientFactory.create(properties, new PoolMeters(meters));
	}

	/** The proxy step for every call; tenants with a private CA get their own client (TlsAutoConfiguration). */
	@Bean
	UpstreamRoutingFilter upstreamRoutingFilter(HttpClient upstreamHttpClient, HttpClientProperties properties,
			TenantHttpClients tenantHttpClients) {
		return new UpstreamRoutingFilter(upstreamHttpClient, properties, tenantHttpClients);
	}

	@Bean
	UpstreamFailureClassifier upstreamFailureClassifier() {
		return new UpstreamFailureClassifier();
	}

	private static void warnAboutUnsafeSettings(UpstreamProperties properties, MeterRegistry meters) {
		Gauge.builder("infosysta.gateway.upstream.unsafe", () -> properties.allowHttp() ? 1 : 0)
			.description("1 while an upstream safety rule is relaxed")
			.tag("setting", "allow-http")
			.register(meters);
		Gauge.builder("infosysta.gateway.upstream.unsafe", () -> properties.allowPrivateAddresses() ? 1 : 0)
			.description("1 while an upstream safety rule is relaxed")
			.tag("setting", "allow-private-addresses")
			.register(meters);
		if (properties.allowHttp()) {
			log.warn("infosysta.gateway.upstream.allow-http=true: tenants may be called over plain http."
					+ " Tests and the local demo only.");
		}
		if (properties.allowPrivateAddresses()) {
			log.warn("infosysta.gateway.upstream.allow-private-addresses=true: loopback and private upstream"
					+ " addresses are allowed. Tests and the local demo only.");
		}
	}

}
