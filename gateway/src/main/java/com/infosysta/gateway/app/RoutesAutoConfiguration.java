package com.infosysta.gateway.app;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.cloud.gateway.config.GatewayAutoConfiguration;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;

import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.tenant.AtlassianProperties;
import com.infosysta.gateway.tenant.ReloadingTenantRegistry;
import com.infosysta.gateway.tenant.TenantResolutionFilter;
import com.infosysta.gateway.upstream.UpstreamProperties;
import com.infosysta.gateway.upstream.UpstreamRequestFilter;

/**
 * The route families, defined in code (no SpEL, nothing created at run time). Each route's filters run in the
 * order of the design's request flow; the route's URI is a placeholder that can never be called, because the
 * upstream step sets the real target from the registry.
 */
@AutoConfiguration(after = { GatewayAutoConfiguration.class, TenantAutoConfiguration.class })
public class RoutesAutoConfiguration {

	static final String JIRA_PREFIX = "/jira/";

	@Bean
	RouteLocator gatewayRoutes(RouteLocatorBuilder routes, ReloadingTenantRegistry registry,
			AtlassianProperties atlassian, UpstreamProperties upstream, ProblemResponseWriter problems) {
		TenantResolutionFilter tenantResolution = new TenantResolutionFilter(JIRA_PREFIX, registry, problems);
		UpstreamRequestFilter upstreamRequest = new UpstreamRequestFilter(
				atlassian.apiBase(upstream.addressRules()), problems);
		return routes.routes()
			.route("jira", route -> route.path(JIRA_PREFIX + "**")
				.filters(filters -> filters.filters(tenantResolution, upstreamRequest))
				.uri("no://op"))
			.build();
	}

}
