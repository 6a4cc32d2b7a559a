package com.infosysta.gateway.observe;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * What the gateway tells ops about its calls.
 *
 * @param metrics the {@code tenant} tag's bounds
 * @param accessLog the JSON access log
 * @param tracing W3C trace context and OTLP export
 */
@ConfigurationProperties("infosysta.gateway")
public record ObservabilityProperties(Metrics metrics, AccessLog accessLog, TracingSettings tracing) {

	public ObservabilityProperties {
		metrics = (metrics != null) ? metrics : new Metrics(null, null);
		accessLog = (accessLog != null) ? accessLog : new AccessLog(null);
		tracing = (tracing != null) ? tracing : new TracingSettings(null, null, null);
	}

	/**
	 * @param maxTenantTags while the registry has at most this many tenants each is its own tag (default 100)
	 * @param tenantTags beyond that, the tenants that keep their own tag; all others share {@code other}
	 */
	public record Metrics(Integer maxTenantTags, List<String> tenantTags) {

		public Metrics {
			maxTenantTags = (maxTenantTags != null) ? maxTenantTags : 100;
			tenantTags = (tenantTags != null) ? List.copyOf(tenantTags) : List.of();
			if (maxTenantTags < 0) {
				throw new IllegalArgumentException("infosysta.gateway.metrics.max-tenant-tags must not be negative");
			}
		}

	}

	/** @param enabled one JSON line per call on the logger {@code infosysta.access} (default true) */
	public record AccessLog(Boolean enabled) {

		public AccessLog {
			enabled = (enabled != null) ? enabled : Boolean.TRUE;
		}

	}

	/**
	 * @param sampling probability that a trace the gateway starts is sampled, 0 to 1 (default 0.1); a client's
	 * trace keeps the client's decision
	 * @param otlpEndpoint OTLP/HTTP traces endpoint, e.g. {@code http://otel-collector:4318/v1/traces}; empty (the
	 * default) exports nothing
	 * @param otlpTimeout the exporter's timeout per batch (default 5s)
	 */
	public record TracingSettings(Double sampling, String otlpEndpoint, Duration otlpTimeout) {

		public TracingSettings {
			sampling = (sampling != null) ? sampling : 0.1;
			otlpEndpoint = (otlpEndpoint != null) ? otlpEndpoint.trim() : "";
			otlpTimeout = (otlpTimeout != null) ? otlpTimeout : Duration.ofSeconds(5);
			if (sampling < 0 || sampling > 1) {
				throw new IllegalArgumentException("infosysta.gateway.tracing.sampling must be between 0 and 1");
			}
			if (!otlpEndpoint.isEmpty() && !otlpEndpoint.startsWith("http://")
					&& !otlpEndpoint.startsWith("https://")) {
				throw new IllegalArgumentException("infosysta.gateway.tracing.otlp-endpoint must be the http(s) URL"
						+ " of an OTLP/HTTP traces endpoint");
			}
		}

	}

}
