package com.infosysta.gateway.upstream;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import com.infosysta.gateway.tenant.UpstreamAddressRules;

/**
 * The upstream HTTP client and what it may call.
 *
 * @param connectTimeout how long a TCP (and TLS) connection may take
 * @param responseTimeout how long the upstream may stay silent: before its response headers and between reads
 * of its body (Reactor Netty's response timeout)
 * @param maxConnectionsPerHost pooled connections per upstream host
 * @param pendingAcquireTimeout how long a call may wait for a pooled connection
 * @param maxIdleTime idle connections are closed after this, before typical load-balancer idle limits (60 s)
 * @param allowHttp accept {@code http://} base URLs (tests and the local demo only)
 * @param allowPrivateAddresses accept loopback, private and link-local upstream addresses (tests and demo only)
 */
@ConfigurationProperties("infosysta.gateway.upstream")
public record UpstreamProperties(@DefaultValue("2s") Duration connectTimeout,
		@DefaultValue("30s") Duration responseTimeout, @DefaultValue("200") int maxConnectionsPerHost,
		@DefaultValue("5s") Duration pendingAcquireTimeout, @DefaultValue("50s") Duration maxIdleTime,
		@DefaultValue("false") boolean allowHttp, @DefaultValue("false") boolean allowPrivateAddresses) {

	private static final String PREFIX = "infosysta.gateway.upstream.";

	public UpstreamProperties {
		positive(connectTimeout, "connect-timeout");
		positive(responseTimeout, "response-timeout");
		positive(pendingAcquireTimeout, "pending-acquire-timeout");
		positive(maxIdleTime, "max-idle-time");
		if (maxConnectionsPerHost < 1) {
			throw new IllegalArgumentException(PREFIX + "max-connections-per-host: " + maxConnectionsPerHost
					+ " (expected: > 0)");
		}
	}

	private static void positive(Duration value, String name) {
		if (value == null || value.isNegative() || value.isZero()) {
			throw new IllegalArgumentException(PREFIX + name + ": " + value + " (expected: > 0)");
		}
	}

	public UpstreamAddressRules addressRules() {
		return new UpstreamAddressRules(this.allowHttp, this.allowPrivateAddresses);
	}

}
