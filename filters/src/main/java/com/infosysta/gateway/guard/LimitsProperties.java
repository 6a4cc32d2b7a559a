package com.infosysta.gateway.guard;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The protocol limits a public gateway needs beyond what Spring Boot's own {@code server.*} properties offer
 * (those keep the request line, the header block and the keep-alive idle time; see the README).
 *
 * @param maxBodySize the largest request body, counted as it streams; a larger declared {@code Content-Length}
 * is refused before any upstream connection
 * @param routes per-route overrides, by route id ({@code jira}, {@code apps})
 * @param maxHeaderCount the most header fields a request may have
 * @param headerReadTimeout from the first byte of a request to its last header line; a slower client (slowloris)
 * loses its connection
 * @param bodyReadTimeout the longest pause between two reads of a request body
 * @param maxConnections open client connections per replica; more are closed at once
 * @param http2MaxConcurrentStreams streams one HTTP/2 connection may have open at a time
 */
@ConfigurationProperties("infosysta.gateway.limits")
public record LimitsProperties(@DefaultValue("50MB") DataSize maxBodySize, Map<String, RouteLimits> routes,
		@DefaultValue("100") int maxHeaderCount, @DefaultValue("10s") Duration headerReadTimeout,
		@DefaultValue("60s") Duration bodyReadTimeout, @DefaultValue("10000") int maxConnections,
		@DefaultValue("100") long http2MaxConcurrentStreams) {

	/** The gateway's route ids; an override for anything else is a typo. */
	public static final Set<String> ROUTE_IDS = Set.of("jira", "apps");

	private static final String PREFIX = "infosysta.gateway.limits.";

	public LimitsProperties {
		positive(maxBodySize, "max-body-size");
		routes = (routes != null) ? new TreeMap<>(routes) : Map.of();
		for (Map.Entry<String, RouteLimits> route : routes.entrySet()) {
			if (!ROUTE_IDS.contains(route.getKey())) {
				throw new IllegalArgumentException(PREFIX + "routes: '" + route.getKey()
						+ "' (expected: jira or apps)");
			}
			if (route.getValue() != null && route.getValue().maxBodySize() != null) {
				positive(route.getValue().maxBodySize(), "routes." + route.getKey() + ".max-body-size");
			}
		}
		routes = Map.copyOf(routes);
		if (maxHeaderCount < 1) {
			throw new IllegalArgumentException(PREFIX + "max-header-count: " + maxHeaderCount + " (expected: > 0)");
		}
		positive(headerReadTimeout, "header-read-timeout");
		positive(bodyReadTimeout, "body-read-timeout");
		if (maxConnections < 1) {
			throw new IllegalArgumentException(PREFIX + "max-connections: " + maxConnections + " (expected: > 0)");
		}
		if (http2MaxConcurrentStreams < 1 || http2MaxConcurrentStreams > 0xFFFFFFFFL) {
			throw new IllegalArgumentException(PREFIX + "http2-max-concurrent-streams: " + http2MaxConcurrentStreams
					+ " (expected: 1 to 4294967295)");
		}
	}

	/** The body cap of a route: its override, or the global one. */
	public DataSize maxBodySize(String routeId) {
		RouteLimits route = this.routes.get(routeId);
		return (route != null && route.maxBodySize() != null) ? route.maxBodySize() : this.maxBodySize;
	}

	private static void positive(Duration value, String name) {
		if (value == null || value.isNegative() || value.isZero()) {
			throw new IllegalArgumentException(PREFIX + name + ": " + value + " (expected: > 0)");
		}
	}

	private static void positive(DataSize value, String name) {
		if (value == null || value.toBytes() < 1) {
			throw new IllegalArgumentException(PREFIX + name + ": " + value + " (expected: > 0)");
		}
	}

	/**
	 * Limits of one route.
	 *
	 * @param maxBodySize the route's body cap, or {@code null} for the global one
	 */
	public record RouteLimits(DataSize maxBodySize) {
	}

}
