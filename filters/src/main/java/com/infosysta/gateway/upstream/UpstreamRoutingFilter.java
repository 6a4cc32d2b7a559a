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
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;

import com.infosysta.gateway.tenant.BaseUrl;
import com.infosysta.gateway.tenant.Tenant;
import com.infosysta.gateway.tenant.TenantResolutionFilter;

/**
 * The proxy step: sends the call to the target the upstream step set, streaming the body both ways, and hands
 * the upstream's status and headers to the answer; Spring Cloud Gateway's response filter then streams the
 * upstream's body to the client, as for the framework's own routing.
 * <p>
 * It replaces the framework's routing filter, which it precedes and marks every call it routes as routed, for
 * two reasons. Calls to a tenant with a private CA go through that tenant's own client ({@link TenantHttpClients})
 * and never through the shared one (fails closed: no such call is sent with the shared client). And the headers
 * both ways are decided in one pass ({@link UpstreamHeaders}); the framework's routing copied each header block
 * through seven header filters and three further case-insensitive maps on every call, a fifth of the gateway's
 * CPU under load. No body is buffered: the request body is passed on as it arrives.
 */
public final class UpstreamRoutingFilter extends NettyRoutingFilter {

	public static final int ORDER = NettyRoutingFilter.ORDER - 1;

	private final Mono<HttpClient> shared;

	private final TenantHttpClients clients;

	public UpstreamRoutingFilter(HttpClient sharedClient, HttpClientProperties properties,
			TenantHttpClients clients) {
		super(sharedClient, new NoHeaderFilters(), properties);
		this.shared = Mono.just(sharedClient);
		this.clients = clients;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		URI target = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
		if (target == null || ServerWebExchangeUtils.isAlreadyRouted(exchange) || !isHttp(target.getScheme())) {
			return chain.filter(exchange);
		}
		ServerWebExchangeUtils.setAlreadyRouted(exchange);
		ServerHttpRequest request = exchange.getRequest();
		io.netty.handler.codec.http.HttpMethod method = io.netty.handler.codec.http.HttpMethod
			.valueOf(request.getMethod().name());
		// The block is written straight into the client's headers for this call: one pass, no copy.
		return client(exchange, target)
			.flatMapMany(client -> client.headers(headers -> UpstreamHeaders.forUpstream(request.getHeaders(),
					exchange, headers))
			.request(method)
			// The URI itself, not its text: Reactor Netty would parse the text again with a regular expression.
			.uri(target)
			.send((upstreamRequest, body) -> body.send(request.getBody().map(this::getByteBuf)))
			.responseConnection((upstreamResponse, connection) -> {
				// Spring Cloud Gateway's response filter streams the body from this connection once the route's
				// filters have run; the answer's status and headers are set now, so those filters can see them.
				exchange.getAttributes().put(ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR, upstreamResponse);
				exchange.getAttributes().put(ServerWebExchangeUtils.CLIENT_RESPONSE_CONN_ATTR, connection);
				ServerHttpResponse response = exchange.getResponse();
				response.setStatusCode(HttpStatusCode.valueOf(upstreamResponse.status().code()));
				UpstreamHeaders.toClient(upstreamResponse.responseHeaders(), response.getHeaders(), exchange);
				return Mono.just(upstreamResponse);
			}))
			.then(chain.filter(exchange));
	}

	private Mono<HttpClient> client(ServerWebExchange exchange, URI target) {
		Tenant tenant = exchange.getAttribute(TenantResolutionFilter.TENANT_ATTRIBUTE);
		if (tenant != null && tenant.caBundle() != null && isTenantsOwnHost(target, tenant)) {
			return this.clients.client(tenant);
		}
		return this.shared;
	}

	private static boolean isHttp(String scheme) {
		return "https".equalsIgnoreCase(scheme) || "http".equalsIgnoreCase(scheme);
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

	/** The framework's header filters are not used: {@link UpstreamHeaders} decides. */
	private static final class NoHeaderFilters implements ObjectProvider<List<HttpHeadersFilter>> {

		@Override
		public List<HttpHeadersFilter> getObject() {
			return List.of();
		}

		@Override
		public List<HttpHeadersFilter> getObject(Object... args) {
			return List.of();
		}

		@Override
		public List<HttpHeadersFilter> getIfAvailable() {
			return List.of();
		}

		@Override
		public List<HttpHeadersFilter> getIfUnique() {
			return List.of();
		}

	}

}
