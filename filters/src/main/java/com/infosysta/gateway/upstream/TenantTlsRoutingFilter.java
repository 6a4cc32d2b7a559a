package com.infosysta.gateway.upstream;

import java.net.URI;
import java.util.List;

import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.gateway.config.HttpClientProperties;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.NettyRoutingFilter;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.web.server.ServerWebExchange;

import com.infosysta.gateway.tenant.BaseUrl;
import com.infosysta.gateway.tenant.Tenant;
import com.infosysta.gateway.tenant.TenantResolutionFilter;

/**
 * The proxy step for calls to a tenant with a private CA: Spring Cloud Gateway's own routing, with the tenant's
 * client ({@link TenantHttpClients}) in place of the shared one. Runs just before the framework's routing
 * filter; a call it routes is marked routed, so the framework's filter lets it pass. Every other call (tenants
 * without a bundle, app backends, the Atlassian API host) goes on to the framework's filter and the shared
 * client unchanged. Fails closed: a call to such a tenant is never sent with the shared client.
 */
public final class TenantTlsRoutingFilter extends NettyRoutingFilter {

	public static final int ORDER = NettyRoutingFilter.ORDER - 1;

	private final TenantHttpClients clients;

	public TenantTlsRoutingFilter(HttpClient sharedClient, ObjectProvider<List<HttpHeadersFilter>> headersFilters,
			HttpClientProperties properties, TenantHttpClients clients) {
		super(sharedClient, headersFilters, properties);
		this.clients = clients;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		Tenant tenant = exchange.getAttribute(TenantResolutionFilter.TENANT_ATTRIBUTE);
		URI target = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
		if (tenant == null || tenant.caBundle() == null || target == null || !isTenantsOwnHost(target, tenant)) {
			return chain.filter(exchange);
		}
		return super.filter(exchange, chain);
	}

	@Override
	protected Mono<HttpClient> getHttpClientMono(Route route, ServerWebExchange exchange) {
		Tenant tenant = exchange.getRequiredAttribute(TenantResolutionFilter.TENANT_ATTRIBUTE);
		return this.clients.client(tenant);
	}

	static boolean isTenantsOwnHost(URI target, Tenant tenant) {
		BaseUrl base = tenant.baseUrl();
		return base.scheme().equalsIgnoreCase(target.getScheme()) && base.host().equalsIgnoreCase(target.getHost())
				&& port(base.scheme(), base.port()) == port(target.getScheme(), target.getPort());
	}

	private static int port(String scheme, int port) {
		if (port != -1) {
			return port;
		}
		return "http".equalsIgnoreCase(scheme) ? 80 : 443;
	}

}
