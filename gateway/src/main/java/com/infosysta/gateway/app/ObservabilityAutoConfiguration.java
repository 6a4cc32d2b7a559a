package com.infosysta.gateway.app;

import java.time.Clock;
import java.util.HashSet;

import ch.qos.logback.classic.LoggerContext;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

import com.infosysta.gateway.observe.LogEventMeter;
import com.infosysta.gateway.observe.ObservabilityProperties;
import com.infosysta.gateway.observe.ObservationFilter;
import com.infosysta.gateway.observe.RequestMetrics;
import com.infosysta.gateway.observe.TenantTags;
import com.infosysta.gateway.observe.Tracing;
import com.infosysta.gateway.problem.ProblemExceptionHandler;
import com.infosysta.gateway.tenant.ReloadingTenantRegistry;

/**
 * Request meters, the access log and tracing. Spans are exported only when
 * {@code infosysta.gateway.tracing.otlp-endpoint} is set (or, in tests, when a {@link SpanExporter} bean exists).
 */
@AutoConfiguration(after = { ProblemAutoConfiguration.class, TenantAutoConfiguration.class })
@EnableConfigurationProperties(ObservabilityProperties.class)
public class ObservabilityAutoConfiguration {

	private static final Logger log = LoggerFactory.getLogger(ObservabilityAutoConfiguration.class);

	@Bean(destroyMethod = "close")
	Tracing tracing(ObservabilityProperties properties, ObjectProvider<SpanExporter> exporters,
			org.springframework.core.env.Environment environment) {
		ObservabilityProperties.TracingSettings settings = properties.tracing();
		SpanExporter exporter = exporters.getIfAvailable();
		if (exporter == null && !settings.otlpEndpoint().isEmpty()) {
			exporter = Tracing.otlp(settings.otlpEndpoint(), settings.otlpTimeout());
		}
		if (exporter == null) {
			return Tracing.contextOnly(settings.sampling());
		}
		log.info("Exporting spans over OTLP (sampling {} of new traces)", settings.sampling());
		return Tracing.exporting(settings.sampling(), exporter,
				environment.getProperty("spring.application.name", "infosysta-gateway"));
	}

	/** Log events by level, counted by an appender rather than Micrometer's turbo filter (see the class). */
	@Bean(destroyMethod = "close")
	@ConditionalOnClass(LoggerContext.class)
	LogEventMeter logEventMeter() {
		return new LogEventMeter((LoggerContext) LoggerFactory.getILoggerFactory());
	}

	@Bean
	RequestMetrics requestMetrics(MeterRegistry meters) {
		nettyMemory(meters);
		return new RequestMetrics(meters);
	}

	/**
	 * Netty's pooled memory, which the JVM's buffer-pool meters do not see (Netty allocates direct memory
	 * itself): what "memory near limit" is usually about in a proxy.
	 */
	private static void nettyMemory(MeterRegistry meters) {
		if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider) {
			ByteBufAllocatorMetric metric = provider.metric();
			Gauge.builder("infosysta.gateway.netty.memory", metric, ByteBufAllocatorMetric::usedDirectMemory)
				.description("Memory held by Netty's default allocator")
				.baseUnit("bytes")
				.tag("type", "direct")
				.register(meters);
			Gauge.builder("infosysta.gateway.netty.memory", metric, ByteBufAllocatorMetric::usedHeapMemory)
				.description("Memory held by Netty's default allocator")
				.baseUnit("bytes")
				.tag("type", "heap")
				.register(meters);
		}
	}

	@Bean
	ObservationFilter observationFilter(ObservabilityProperties properties, RequestMetrics metrics, Tracing tracing,
			ReloadingTenantRegistry registry, ProblemExceptionHandler problems, Clock clock) {
		TenantTags tenantTags = new TenantTags(properties.metrics().maxTenantTags(),
				new HashSet<>(properties.metrics().tenantTags()), () -> registry.current().tenants().size());
		return new ObservationFilter(metrics, tenantTags, tracing, problems, properties.accessLog().enabled(), clock);
	}

}
