package com.infosysta.gateway.app;

import java.time.Clock;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.cloud.gateway.config.GatewayAutoConfiguration;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;

import com.infosysta.gateway.auth.AppAuthenticationFilter;
import com.infosysta.gateway.auth.AppCatalog;
import com.infosysta.gateway.auth.AuthProperties;
import com.infosysta.gateway.auth.ForgeKeys;
import com.infosysta.gateway.auth.InstallKeys;
import com.infosysta.gateway.auth.SubjectKeys;
import com.infosysta.gateway.auth.UserCredentialFilter;
import com.infosysta.gateway.auth.VerificationMetrics;
import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.ratelimit.RateLimitFilter;
import com.infosysta.gateway.resilience.ResilienceFilter;
import com.infosysta.gateway.tenant.AtlassianProperties;
import com.infosysta.gateway.tenant.ReloadingTenantRegistry;
import com.infosysta.gateway.tenant.TenantResolutionFilter;
import com.infosysta.gateway.upstream.AppUpstreamFilter;
import com.infosysta.gateway.upstream.UpstreamProperties;
import com.infosysta.gateway.upstream.UpstreamRequestFilter;

/**
 * The route families, defined in code (no SpEL, nothing created at run time). Each route's filters run in the
 * order of the design's request flow; the route's URI is a placeholder that can never be called, because the
 * upstream step sets the real target from the registry or the app's configuration.
 */
@AutoConfiguration(after = { GatewayAutoConfiguration.class, TenantAutoConfiguration.class,
		AuthAutoConfiguration.class, RateLimitAutoConfiguration.class, ResilienceAutoConfiguration.class })
public class RoutesAutoConfiguration {

	static final String JIRA_PREFIX = "/jira/";

	static final String APPS_PREFIX = "/apps/";

	@Bean
	RouteLocator gatewayRoutes(RouteLocatorBuilder routes, ReloadingTenantRegistry registry,
			AtlassianProperties atlassian, UpstreamProperties upstream, AuthProperties auth, AppCatalog apps,
			InstallKeys installKeys, ForgeKeys forgeKeys, SubjectKeys subjectKeys, VerificationMetrics metrics,
			UserCredentialFilter userCredentials, RateLimitFilter rateLimits, ResilienceFilter resilience, Clock clock,
			ProblemResponseWriter problems) {
		TenantResolutionFilter tenantResolution = new TenantResolutionFilter(JIRA_PREFIX, registry, problems);
		UpstreamRequestFilter upstreamRequest = new UpstreamRequestFilter(JIRA_PREFIX,
				atlassian.apiBase(upstream.addressRules()), problems);
		AppAuthenticationFilter appAuthentication = new AppAuthenticationFilter(APPS_PREFIX, apps, registry,
				installKeys, forgeKeys, subjectKeys, metrics, clock, auth.connect().leeway(), problems);
		AppUpstreamFilter appUpstream = new AppUpstreamFilter(APPS_PREFIX, clock, problems);
		return routes.routes()
			.route("jira", route -> route.path(JIRA_PREFIX + "**")
				.filters(filters -> filters.filters(tenantResolution, userCredentials, rateLimits, upstreamRequest,
						resilience))
				.uri("no://op"))
			.route("apps", route -> route.path(APPS_PREFIX + "**")
				.filters(filters -> filters.filters(appAuthentication, rateLimits, appUpstream, resilience))
				.uri("no://op"))
			.build();
	}

}
