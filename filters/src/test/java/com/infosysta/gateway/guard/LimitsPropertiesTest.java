package com.infosysta.gateway.guard;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

final class LimitsPropertiesTest {

	private static final DataSize FIFTY_MB = DataSize.ofMegabytes(50);

	private static LimitsProperties limits(DataSize maxBodySize, Map<String, LimitsProperties.RouteLimits> routes,
			int maxHeaderCount, Duration headerReadTimeout, int maxConnections, long streams) {
		return new LimitsProperties(maxBodySize, routes, maxHeaderCount, headerReadTimeout, Duration.ofSeconds(60),
				maxConnections, streams);
	}

	@Test
	void takesARouteOverrideAndFallsBackToTheGlobalCap() {
		LimitsProperties limits = limits(FIFTY_MB,
				Map.of("apps", new LimitsProperties.RouteLimits(DataSize.ofMegabytes(5))), 100, Duration.ofSeconds(10),
				10, 100);

		assertThat(limits.maxBodySize("apps")).isEqualTo(DataSize.ofMegabytes(5));
		assertThat(limits.maxBodySize("jira")).isEqualTo(FIFTY_MB);
	}

	@Test
	void refusesAnOverrideForAnUnknownRouteNamingIt() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> limits(FIFTY_MB, Map.of("jria", new LimitsProperties.RouteLimits(FIFTY_MB)), 100,
					Duration.ofSeconds(10), 10, 100))
			.withMessage("infosysta.gateway.limits.routes: 'jria' (expected: jira or apps)");
	}

	@Test
	void refusesZeroOrNegativeValuesNamingTheProperty() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> limits(DataSize.ofBytes(0), null, 100, Duration.ofSeconds(10), 10, 100))
			.withMessageStartingWith("infosysta.gateway.limits.max-body-size: 0B (expected: > 0)");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> limits(FIFTY_MB, Map.of("jira", new LimitsProperties.RouteLimits(DataSize.ofBytes(-1))),
					100, Duration.ofSeconds(10), 10, 100))
			.withMessageStartingWith("infosysta.gateway.limits.routes.jira.max-body-size:");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> limits(FIFTY_MB, null, 0, Duration.ofSeconds(10), 10, 100))
			.withMessage("infosysta.gateway.limits.max-header-count: 0 (expected: > 0)");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> limits(FIFTY_MB, null, 100, Duration.ZERO, 10, 100))
			.withMessageStartingWith("infosysta.gateway.limits.header-read-timeout:");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> limits(FIFTY_MB, null, 100, Duration.ofSeconds(10), 0, 100))
			.withMessage("infosysta.gateway.limits.max-connections: 0 (expected: > 0)");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> limits(FIFTY_MB, null, 100, Duration.ofSeconds(10), 10, 0))
			.withMessageStartingWith("infosysta.gateway.limits.http2-max-concurrent-streams: 0");
	}

	@Test
	void takesNoOverridesWhenNoneAreConfigured() {
		LimitsProperties limits = limits(FIFTY_MB, null, 100, Duration.ofSeconds(10), 10, 100);

		assertThat(limits.routes()).isEmpty();
		assertThat(limits.maxBodySize("jira")).isEqualTo(FIFTY_MB);
	}

}
