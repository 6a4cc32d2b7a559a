package com.infosysta.gateway.app;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.http.client.HttpClient;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.cloud.gateway.config.GatewayAutoConfiguration;
import org.springframework.context.annotation.Bean;

import com.infosysta.gateway.upstream.PoolMeters;
import com.infosysta.gateway.upstream.UpstreamFailureClassifier;
import com.infosysta.gateway.upstream.UpstreamHttpClientFactory;
import com.infosysta.gateway.upstream.UpstreamProperties;

/**
 * The upstream HTTP client (replacing Spring Cloud Gateway's, whose pool and timeouts are not ours), the
 * header rules of the proxy step, and the mapping of upstream failures to 502/504.
 */
@AutoConfiguration(before = GatewayAutoConfiguration.class, after = TenantAutoConfiguration.class)
public class UpstreamAutoConfiguration {

	private static final Logger log = LoggerFactory.getLogger(UpstreamAutoConfiguration.class);

	@Bean
	HttpClient upstreamHttpClient(UpstreamProperties properties, MeterRegistry meters) {
		warnAboutUnsafeSettings(properties, meters);
		return UpstreamHttpClientFactory.create(properties, new PoolMeters(meters));
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
