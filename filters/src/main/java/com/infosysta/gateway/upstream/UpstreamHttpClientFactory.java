package com.infosysta.gateway.upstream;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

import io.netty.channel.ChannelOption;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import com.infosysta.gateway.tenant.UpstreamAddressRules;

/**
 * Builds the one HTTP client all upstream calls share. Fixed pool per upstream host with a bounded wait for a
 * connection (never an unbounded queue), idle connections closed before load balancers drop them, no
 * redirects followed (a redirect could carry the client's credential to another host), no compression (the
 * gateway never inspects bodies), and every resolved address checked against the {@link UpstreamAddressRules}.
 * Certificates and host names are verified by Reactor Netty's default TLS set-up.
 */
public final class UpstreamHttpClientFactory {

	private UpstreamHttpClientFactory() {
	}

	public static HttpClient create(UpstreamProperties properties) {
		return create(properties, null);
	}

	/** As {@link #create(UpstreamProperties)}, with the pools' gauges registered through {@code poolMeters}. */
	public static HttpClient create(UpstreamProperties properties, ConnectionProvider.MeterRegistrar poolMeters) {
		UpstreamAddressRules rules = properties.addressRules();
		ConnectionProvider.Builder builder = ConnectionProvider.builder("upstream")
			.maxConnections(properties.maxConnectionsPerHost())
			.pendingAcquireTimeout(properties.pendingAcquireTimeout())
			.pendingAcquireMaxCount(properties.maxConnectionsPerHost() * 2)
			.maxIdleTime(properties.maxIdleTime())
			.evictInBackground(properties.maxIdleTime().dividedBy(2));
		if (poolMeters != null) {
			builder.metrics(true, () -> poolMeters);
		}
		ConnectionProvider pool = builder.build();
		return HttpClient.create(pool)
			.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) properties.connectTimeout().toMillis())
			.responseTimeout(properties.responseTimeout())
			.followRedirect(false)
			.compress(false)
			.resolvedAddressesSelector((config, resolved) -> allowedAddresses(rules, resolved));
	}

	static List<? extends SocketAddress> allowedAddresses(UpstreamAddressRules rules,
			List<? extends SocketAddress> resolved) {
		if (rules.allowPrivateAddresses()) {
			return resolved;
		}
		List<SocketAddress> allowed = new ArrayList<>(resolved.size());
		String host = "?";
		for (SocketAddress address : resolved) {
			if (address instanceof InetSocketAddress inet) {
				host = inet.getHostString();
				if (inet.getAddress() != null && rules.isAllowed(inet.getAddress())) {
					allowed.add(address);
				}
			}
		}
		if (allowed.isEmpty()) {
			throw new UpstreamAddressNotAllowedException(host);
		}
		return allowed;
	}

}
