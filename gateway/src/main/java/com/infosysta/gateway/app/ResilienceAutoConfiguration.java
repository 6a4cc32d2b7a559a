package com.infosysta.gateway.app;

import java.time.Clock;
import java.util.HashSet;
import java.util.Set;

import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

import com.infosysta.gateway.auth.AppCatalog;
import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.resilience.CoolDowns;
import com.infosysta.gateway.resilience.InFlightLimit;
import com.infosysta.gateway.resilience.ResilienceFilter;
import com.infosysta.gateway.resilience.ResilienceProperties;
import com.infosysta.gateway.resilience.UpstreamIsolation;
import com.infosysta.gateway.tenant.Registry;
import com.infosysta.gateway.tenant.ReloadingTenantRegistry;

/** Step six: breakers, bulkheads, retries and cool-downs, kept in step with the registry. */
@AutoConfiguration(after = { TenantAutoConfiguration.class, AuthAutoConfiguration.class })
@EnableConfigurationProperties(ResilienceProperties.class)
public class ResilienceAutoConfiguration {

	@Bean
	UpstreamIsolation upstreamIsolation(ResilienceProperties properties, ReloadingTenantRegistry registry,
			AppCatalog apps, MeterRegistry meters) {
		UpstreamIsolation isolation = new UpstreamIsolation(properties.breaker(), System::nanoTime);
		TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(isolation.breakers()).bindTo(meters);
		isolation.onBulkheadCreated(bulkhead -> {
			Gauge.builder("infosysta.gateway.bulkhead.available", bulkhead, InFlightLimit::availableConcurrentCalls)
				.description("Calls an upstream's bulkhead still admits")
				.tag("name", bulkhead.name())
				.register(meters);
			Gauge.builder("infosysta.gateway.bulkhead.max", bulkhead, InFlightLimit::maxConcurrentCalls)
				.description("Calls in flight an upstream's bulkhead admits at most (the plan's in-flight)")
				.tag("name", bulkhead.name())
				.register(meters);
		});
		registry.onReload(next -> isolation.retainOnly(upstreamNames(next, apps)));
		return isolation;
	}

	private static Set<String> upstreamNames(Registry registry, AppCatalog apps) {
		Set<String> names = new HashSet<>(registry.tenants().keySet());
		apps.apps().keySet().forEach(app -> names.add("app:" + app));
		return names;
	}

	@Bean
	CoolDowns coolDowns(ResilienceProperties properties, Clock clock) {
		return new CoolDowns(System::nanoTime, clock, properties.coolDown().max());
	}

	@Bean
	ResilienceFilter resilienceFilter(UpstreamIsolation isolation, CoolDowns coolDowns,
			ResilienceProperties properties, MeterRegistry meters, ProblemResponseWriter problems) {
		return new ResilienceFilter(isolation, coolDowns, properties, System::nanoTime, meters, problems);
	}

}
