package com.infosysta.gateway.upstream;

import java.time.Clock;
import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.core.Ordered;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

import com.infosysta.gateway.auth.AppCall;
import com.infosysta.gateway.auth.Principal;
import com.infosysta.gateway.connect.CanonicalRequest;
import com.infosysta.gateway.connect.ConnectJwtSigner;
import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.problem.ProblemType;
import com.infosysta.gateway.tenant.BaseUrl;

/**
 * Step five on {@code /apps/{app}/…}. The client's token never travels on (neither the header nor the
 * {@code jwt} parameter); the upstream gets the credential meant for it instead. An app UI's Jira call goes to
 * the token's tenant with a fresh Connect JWT signed for exactly the outbound request (issuer: the app's key,
 * {@code qsh} relative to the tenant's base URL, three minutes at most). A call for the app's backend goes to
 * its configured URL with {@code X-Infosysta-Identity}. Fails closed without a verified call.
 */
public final class AppUpstreamFilter implements GatewayFilter, Ordered {

	public static final int ORDER = UpstreamRequestFilter.ORDER;

	private final String prefix;

	private final Clock clock;

	private final ProblemResponseWriter problems;

	/**
	 * @param prefix the route family's prefix, {@code /apps/}
	 */
	public AppUpstreamFilter(String prefix, Clock clock, ProblemResponseWriter problems) {
		this.prefix = prefix;
		this.clock = clock;
		this.problems = problems;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		AppCall call = exchange.getAttribute(AppCall.ATTRIBUTE);
		Principal principal = exchange.getAttribute(Principal.ATTRIBUTE);
		if (call == null || principal == null) {
			return this.problems.write(exchange, ProblemType.CREDENTIAL_MISSING, "The call was not verified.");
		}
		ServerHttpRequest request = exchange.getRequest();
		BaseUrl base = call.toJira() ? call.tenant().baseUrl() : call.app().backend();
		String gatewayPath = this.prefix + call.app().id() + (call.toJira() ? "/jira" : "");
		String query = UpstreamTarget.query(exchange);
		if (!UpstreamTarget.set(exchange, base.toString(), call.restPath(), query, gatewayPath)) {
			return this.problems.write(exchange, ProblemType.MALFORMED_REQUEST, "The query could not be read.");
		}
		OutboundCredential credential;
		if (call.toJira()) {
			String qsh = CanonicalRequest.queryStringHash(request.getMethod().name(), base.path() + call.restPath(),
					base.path(), query);
			String jwt = ConnectJwtSigner.sign(call.secrets().secrets().get(0), call.app().key(), qsh,
					this.clock.instant(), ConnectJwtSigner.MAX_LIFETIME);
			credential = new OutboundCredential("JWT " + jwt, Map.of(), false);
		}
		else {
			String identity = BackendIdentitySigner.sign(call.app().backendSecret(), call.app().id(), principal,
					this.clock.instant());
			boolean forge = principal.kind() == com.infosysta.gateway.tenant.CredentialKind.FORGE;
			credential = new OutboundCredential(null, Map.of(BackendIdentitySigner.HEADER_NAME, identity), forge);
		}
		exchange.getAttributes().put(OutboundCredential.ATTRIBUTE, credential);
		return chain.filter(exchange);
	}

}
