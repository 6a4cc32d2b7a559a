package com.infosysta.gateway.app;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

import com.infosysta.gateway.auth.AppCatalog;
import com.infosysta.gateway.cors.CorsHeadersFilter;
import com.infosysta.gateway.cors.CorsPolicy;
import com.infosysta.gateway.cors.CorsPreflightFilter;
import com.infosysta.gateway.cors.CorsProperties;
import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.tenant.ReloadingTenantRegistry;

/**
 * CORS for browser-hosted clients (mail add-ins, app UIs): the allow-lists come from the registry (tenants) and
 * the apps' configuration; Spring Cloud Gateway's own CORS handling stays off ({@code globalcors.enabled: false}).
 */
@AutoConfiguration(after = { ProblemAutoConfiguration.class, TenantAutoConfiguration.class,
		AuthAutoConfiguration.class })
@EnableConfigurationProperties(CorsProperties.class)
public class CorsAutoConfiguration {

	@Bean
	CorsPolicy corsPolicy(ReloadingTenantRegistry registry, AppCatalog apps, CorsProperties properties) {
		return new CorsPolicy(RoutesAutoConfiguration.JIRA_PREFIX, RoutesAutoConfiguration.APPS_PREFIX, registry, apps,
				properties);
	}

	@Bean
	CorsHeadersFilter corsHeadersFilter(CorsPolicy policy) {
		return new CorsHeadersFilter(policy);
	}

	@Bean
	CorsPreflightFilter corsPreflightFilter(CorsPolicy policy, ProblemResponseWriter problems) {
		return new CorsPreflightFilter(policy, problems);
	}

}
