package com.infosysta.gateway.upstream;

import java.net.URI;
import java.net.URISyntaxException;

import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.web.server.ServerWebExchange;

import com.infosysta.gateway.connect.QueryParameters;

/**
 * Where a call goes, for both route families: a configured base plus the client's raw path and raw query
 * (without a {@code jwt} parameter: a Connect token never travels on), byte for byte. Records the target and
 * the base-to-gateway-path mapping that {@code Location} rewriting needs.
 */
final class UpstreamTarget {

	private UpstreamTarget() {
	}

	/**
	 * @param base {@code scheme://host[:port][/context]} from configuration
	 * @param restPath the client's raw path below the gateway path
	 * @param query the raw query to send, from {@link #query}, or {@code null}
	 * @param gatewayPath the gateway's path that corresponds to {@code base}
	 * @return {@code false} when the query cannot be forwarded as it is
	 */
	static boolean set(ServerWebExchange exchange, String base, String restPath, String query, String gatewayPath) {
		URI target;
		try {
			target = new URI((query != null) ? base + restPath + '?' + query : base + restPath);
		}
		catch (URISyntaxException ex) {
			return false;
		}
		exchange.getAttributes().put(UpstreamBase.ATTRIBUTE, new UpstreamBase(base, gatewayPath));
		exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR, target);
		return true;
	}

	/** The raw query as it goes upstream. */
	static String query(ServerWebExchange exchange) {
		return QueryParameters.without(exchange.getRequest().getURI().getRawQuery(), "jwt");
	}

}
