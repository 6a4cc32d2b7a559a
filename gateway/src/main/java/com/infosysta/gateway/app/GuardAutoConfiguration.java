package com.infosysta.gateway.app;

import java.util.List;
import java.util.Map;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.webflux.autoconfigure.WebHttpHandlerBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.util.unit.DataSize;
import org.springframework.web.server.WebFilter;

import com.infosysta.gateway.chain.FoldedWebFilters;
import com.infosysta.gateway.guard.ClientAddresses;
import com.infosysta.gateway.guard.ConnectionGuard;
import com.infosysta.gateway.guard.GuardProperties;
import com.infosysta.gateway.guard.LimitsProperties;
import com.infosysta.gateway.guard.RequestGuardFilter;
import com.infosysta.gateway.guard.RequestLimitsFilter;
import com.infosysta.gateway.privacy.NoStoreFilter;
import com.infosysta.gateway.problem.ProblemResponseWriter;

/**
 * Step one (the guard), the privacy filter that wraps every answer, and the protocol limits of the public port.
 */
@AutoConfiguration(after = ProblemAutoConfiguration.class)
@EnableConfigurationProperties({ GuardProperties.class, LimitsProperties.class })
public class GuardAutoConfiguration {

	private static final String OWN_PACKAGE = "com.infosysta.gateway.";

	@Bean
	NoStoreFilter noStoreFilter() {
		return new NoStoreFilter();
	}

	/**
	 * The gateway's own web filters (privacy, observation, HSTS, CORS, guard, limits, brute-force guard) run as
	 * one: Spring's chain costs a checkpoint per filter and call otherwise.
	 */
	@Bean
	WebHttpHandlerBuilderCustomizer foldedWebFilters() {
		return builder -> builder.filters(filters -> {
			List<WebFilter> folded = FoldedWebFilters.fold(List.copyOf(filters),
					filter -> filter.getClass().getName().startsWith(OWN_PACKAGE));
			filters.clear();
			filters.addAll(folded);
		});
	}

	@Bean
	ClientAddresses clientAddresses(GuardProperties properties) {
		return new ClientAddresses(properties.trustedProxies());
	}

	@Bean
	RequestGuardFilter requestGuardFilter(ProblemResponseWriter problems, ClientAddresses clientAddresses) {
		return new RequestGuardFilter(problems, clientAddresses);
	}

	@Bean
	RequestLimitsFilter requestLimitsFilter(LimitsProperties limits, ProblemResponseWriter problems) {
		return new RequestLimitsFilter(limits,
				Map.of("jira", RoutesAutoConfiguration.JIRA_PREFIX, "apps", RoutesAutoConfiguration.APPS_PREFIX),
				problems);
	}

	@Bean
	ConnectionGuard connectionGuard(LimitsProperties limits) {
		return new ConnectionGuard(limits);
	}

	@Bean
	ProtocolLimits protocolLimits(LimitsProperties limits, ConnectionGuard connectionGuard,
			@Value("${server.max-http-request-header-size:16KB}") DataSize maxHeaderSize) {
		return new ProtocolLimits(limits, connectionGuard, maxHeaderSize);
	}

	/**
	 * The public server's limits that Boot has no property for. Runs after Boot's own customizer, because
	 * Reactor Netty's {@code http2Settings} replaces earlier settings rather than adding to them.
	 */
	static final class ProtocolLimits implements WebServerFactoryCustomizer<NettyReactiveWebServerFactory>, Ordered {

		private final LimitsProperties limits;

		private final ConnectionGuard connectionGuard;

		private final DataSize maxHeaderSize;

		ProtocolLimits(LimitsProperties limits, ConnectionGuard connectionGuard, DataSize maxHeaderSize) {
			this.limits = limits;
			this.connectionGuard = connectionGuard;
			this.maxHeaderSize = maxHeaderSize;
		}

		@Override
		public int getOrder() {
			return Ordered.LOWEST_PRECEDENCE;
		}

		@Override
		public void customize(NettyReactiveWebServerFactory factory) {
			factory.addServerCustomizers(server -> server.doOnChannelInit(this.connectionGuard::onChannelInit)
				.readTimeout(this.limits.bodyReadTimeout())
				// Netty's own defaults today, set so that a change of default cannot loosen them: rapid reset
				// (CVE-2023-44487) is met by the budget of 200 resets per 30 s.
				.http2Settings(http2 -> http2.maxConcurrentStreams(this.limits.http2MaxConcurrentStreams())
					.maxHeaderListSize(this.maxHeaderSize.toBytes())
					.maxDecodedRstFramesPerWindow(200, 30)));
		}

	}

}
