package com.infosysta.gateway.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.nimbusds.jwt.JWTClaimsSet;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

import com.infosysta.gateway.auth.CredentialException.Reason;
import com.infosysta.gateway.connect.QueryParameters;
import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.problem.ProblemType;
import com.infosysta.gateway.tenant.CredentialKind;
import com.infosysta.gateway.tenant.Tenant;
import com.infosysta.gateway.tenant.TenantRegistry;
import com.infosysta.gateway.tenant.TenantResolutionFilter;

/**
 * Steps two and three on {@code /apps/{app}/…}: the app from configuration, then the credential its route
 * takes. In this order: unknown app 404; token in both header and query 400; verification 401 (Connect JWT,
 * lifecycle JWT on {@code installed}/{@code uninstalled}, or a Forge invocation token); for the app UI's Jira
 * calls the {@code jira-calls} allow-list 403. The tenant is always the verified token's, never the path's; a
 * disabled tenant's Connect and Forge calls get 403. Lifecycle calls pass for any verified site, registered
 * or not, enabled or not: they come from Atlassian, and an uninstall must always reach the backend.
 * Fails closed on every path: nothing is forwarded unless a verifier said yes.
 */
public final class AppAuthenticationFilter implements GatewayFilter, Ordered {

	public static final int ORDER = TenantResolutionFilter.ORDER;

	private static final String JWT_PREFIX = "JWT ";

	private static final String BEARER_PREFIX = "Bearer ";

	private final String prefix;

	private final AppCatalog apps;

	private final TenantRegistry registry;

	private final ConnectJwtVerifier connect;

	private final LifecycleJwtVerifier lifecycle;

	private final ForgeTokenVerifier forge;

	private final SubjectKeys subjectKeys;

	private final VerificationMetrics metrics;

	private final ProblemResponseWriter problems;

	/**
	 * @param prefix the route family's prefix, {@code /apps/}
	 */
	public AppAuthenticationFilter(String prefix, AppCatalog apps, TenantRegistry registry, InstallKeys installKeys,
			ForgeKeys forgeKeys, SubjectKeys subjectKeys, VerificationMetrics metrics, Clock clock, Duration leeway,
			ProblemResponseWriter problems) {
		this.prefix = prefix;
		this.apps = apps;
		this.registry = registry;
		this.connect = new ConnectJwtVerifier(registry, clock, leeway);
		this.lifecycle = new LifecycleJwtVerifier(installKeys, clock, leeway);
		this.forge = new ForgeTokenVerifier(forgeKeys, clock, leeway);
		this.subjectKeys = subjectKeys;
		this.metrics = metrics;
		this.problems = problems;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		ServerHttpRequest request = exchange.getRequest();
		String path = request.getURI().getRawPath();
		if (path == null || path.length() <= this.prefix.length() || !path.startsWith(this.prefix)) {
			return this.problems.write(exchange, ProblemType.UNKNOWN_APP, "The path names no app.");
		}
		int start = this.prefix.length();
		int end = path.indexOf('/', start);
		String appId = path.substring(start, (end < 0) ? path.length() : end);
		AppDefinition app = this.apps.app(appId);
		if (app == null) {
			return this.problems.write(exchange, ProblemType.UNKNOWN_APP, "No app is configured under this name.");
		}
		String appBase = this.prefix + appId;
		String appRest = path.substring(appBase.length());
		boolean toJira = appRest.equals("/jira") || appRest.startsWith("/jira/");
		if (!toJira && app.backend() == null) {
			return this.problems.write(exchange, ProblemType.UNKNOWN_ROUTE, "This app serves only its Jira calls.");
		}
		Mono<Void> result;
		CredentialKind[] kind = new CredentialKind[1];
		try {
			Token token = token(request);
			String method = request.getMethod().name();
			String rawQuery = request.getURI().getRawQuery();
			boolean lifecycle = !toJira && isLifecyclePath(appRest);
			if (lifecycle && token.bearer()) {
				kind[0] = CredentialKind.LIFECYCLE;
				throw new CredentialException(ProblemType.CREDENTIAL_NOT_ACCEPTED, Reason.NOT_ACCEPTED,
						"Lifecycle calls take Atlassian's lifecycle JWT.");
			}
			if (token.bearer()) {
				kind[0] = CredentialKind.FORGE;
				if (toJira) {
					throw new CredentialException(ProblemType.CREDENTIAL_NOT_ACCEPTED, Reason.NOT_ACCEPTED,
							"Jira calls take a Connect JWT.");
				}
				result = this.forge.verify(token.value(), app).flatMap(claims -> {
					Bound bound = forgeCall(app, appRest, claims);
					if (bound.call().tenant() != null && !bound.call().tenant().enabled()) {
						return Mono.error(new CredentialException(ProblemType.TENANT_DISABLED, Reason.NOT_ACCEPTED,
								"This tenant is disabled."));
					}
					return proceed(exchange, chain, bound, CredentialKind.FORGE);
				});
			}
			else if (lifecycle) {
				kind[0] = CredentialKind.LIFECYCLE;
				ConnectJwtVerifier.BoundRequest bound = new ConnectJwtVerifier.BoundRequest(method, path, appBase,
						rawQuery);
				result = this.lifecycle.verify(token.value(), app, bound)
					.flatMap(claims -> proceed(exchange, chain, lifecycleCall(app, appRest, claims),
							CredentialKind.LIFECYCLE));
			}
			else {
				kind[0] = CredentialKind.CONNECT;
				String basePath = toJira ? appBase + "/jira" : appBase;
				String rest = path.substring(basePath.length());
				ConnectJwtVerifier.BoundRequest bound = new ConnectJwtVerifier.BoundRequest(method, path, basePath,
						rawQuery);
				ConnectJwtVerifier.Verified verified = this.connect.verify(token.value(), appId, bound,
						app.acceptsContextQsh(appRest));
				if (toJira && !app.allowsJiraCall(request.getMethod(), rest)) {
					this.metrics.accepted(CredentialKind.CONNECT);
					return this.problems.write(exchange, ProblemType.JIRA_CALL_NOT_ALLOWED,
							"This app may not make this Jira call.");
				}
				Tenant tenant = verified.tenant();
				AppCall call = new AppCall(app, toJira, rest, tenant, toJira ? verified.secrets() : null,
						verified.contextToken());
				Principal principal = new Principal(tenant.id(), appId, CredentialKind.CONNECT,
						this.subjectKeys.of(tenant.id() + ":connect", verified.subject()), verified.clientKey());
				result = proceed(exchange, chain, new Bound(call, principal), CredentialKind.CONNECT);
			}
		}
		catch (CredentialException ex) {
			return reject(exchange, kind[0], ex);
		}
		return result.onErrorResume(CredentialException.class, ex -> reject(exchange, kind[0], ex));
	}

	private Mono<Void> proceed(ServerWebExchange exchange, GatewayFilterChain chain, Bound bound,
			CredentialKind kind) {
		this.metrics.accepted(kind);
		exchange.getAttributes().put(AppCall.ATTRIBUTE, bound.call());
		exchange.getAttributes().put(Principal.ATTRIBUTE, bound.principal());
		if (bound.call().tenant() != null) {
			exchange.getAttributes().put(TenantResolutionFilter.TENANT_ATTRIBUTE, bound.call().tenant());
		}
		return chain.filter(exchange);
	}

	/**
	 * Whether a backend would take this path for a lifecycle callback. Any spelling that a backend might read
	 * as {@code /installed} or {@code /uninstalled} (a trailing slash, percent-encoding, another case) needs the
	 * lifecycle token, so an installation's shared-secret token can never reach an install handler.
	 */
	static boolean isLifecyclePath(String rawRest) {
		String decoded = com.infosysta.gateway.connect.QueryParameters.decodePath(rawRest);
		int end = decoded.length();
		while (end > 1 && decoded.charAt(end - 1) == '/') {
			end--;
		}
		String path = decoded.substring(0, end).toLowerCase(java.util.Locale.ROOT);
		return path.equals("/installed") || path.equals("/uninstalled");
	}

	private Bound lifecycleCall(AppDefinition app, String rest, JWTClaimsSet claims) {
		String clientKey = claims.getIssuer();
		Tenant tenant = this.registry.current().tenantByClientKey(clientKey);
		Principal principal = new Principal((tenant != null) ? tenant.id() : null, app.id(), CredentialKind.LIFECYCLE,
				this.subjectKeys.of("lifecycle", clientKey), clientKey);
		return new Bound(new AppCall(app, false, rest, tenant, null), principal);
	}

	private Bound forgeCall(AppDefinition app, String rest, JWTClaimsSet claims) {
		Tenant tenant = null;
		Object context = claims.getClaim("context");
		if (context instanceof Map<?, ?> map && map.get("cloudId") instanceof String cloudId) {
			try {
				tenant = this.registry.current().tenantByCloudId(UUID.fromString(cloudId));
			}
			catch (IllegalArgumentException ex) {
				tenant = null;
			}
		}
		String identity = (claims.getClaim("principal") instanceof String accountId) ? accountId : installation(claims);
		Principal principal = new Principal((tenant != null) ? tenant.id() : null, app.id(), CredentialKind.FORGE,
				this.subjectKeys.of("forge:" + app.id(), identity), null);
		return new Bound(new AppCall(app, false, rest, tenant, null), principal);
	}

	private static String installation(JWTClaimsSet claims) {
		Object app = claims.getClaim("app");
		if (app instanceof Map<?, ?> map && map.get("installationId") instanceof String id) {
			return id;
		}
		return "forge";
	}

	private Mono<Void> reject(ServerWebExchange exchange, CredentialKind kind, CredentialException ex) {
		this.metrics.rejected(kind, ex.reason());
		if (ex.problemType().status().value() == 401) {
			exchange.getResponse()
				.getHeaders()
				.set(HttpHeaders.WWW_AUTHENTICATE, (kind == CredentialKind.FORGE)
						? "Bearer error=\"invalid_token\"" : "JWT realm=\"atlassian-connect\"");
		}
		return this.problems.write(exchange, ex.problemType(), ex.getMessage());
	}

	/** The token from {@code Authorization: JWT …}, {@code ?jwt=} or {@code Authorization: Bearer …}; never two. */
	private static Token token(ServerHttpRequest request) throws CredentialException {
		List<String> headers = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
		List<String> queryTokens = QueryParameters.values(request.getURI().getRawQuery(), "jwt");
		if (headers != null && headers.size() > 1 || queryTokens.size() > 1) {
			throw new CredentialException(ProblemType.MALFORMED_CREDENTIAL, Reason.TWO_TOKENS, "Send one token.");
		}
		String header = (headers != null && !headers.isEmpty()) ? headers.get(0) : null;
		if (header != null && !queryTokens.isEmpty()) {
			throw new CredentialException(ProblemType.TOKEN_IN_HEADER_AND_QUERY, Reason.TWO_TOKENS,
					"Send the token in the Authorization header or in the jwt parameter, not both.");
		}
		if (header == null) {
			if (queryTokens.isEmpty()) {
				throw new CredentialException(ProblemType.CREDENTIAL_MISSING, Reason.MISSING,
						"This call needs a Connect JWT or a Forge invocation token.");
			}
			return new Token(queryTokens.get(0), false);
		}
		if (header.regionMatches(true, 0, JWT_PREFIX, 0, JWT_PREFIX.length())) {
			return new Token(header.substring(JWT_PREFIX.length()).trim(), false);
		}
		if (header.regionMatches(true, 0, BEARER_PREFIX, 0, BEARER_PREFIX.length())) {
			return new Token(header.substring(BEARER_PREFIX.length()).trim(), true);
		}
		throw new CredentialException(ProblemType.CREDENTIAL_NOT_ACCEPTED, Reason.NOT_ACCEPTED,
				"This call takes a Connect JWT or a Forge invocation token.");
	}

	private record Token(String value, boolean bearer) {
	}

	private record Bound(AppCall call, Principal principal) {
	}

}
