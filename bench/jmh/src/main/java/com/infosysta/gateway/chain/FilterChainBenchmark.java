package com.infosysta.gateway.chain;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.server.adapter.DefaultServerWebExchange;
import org.springframework.web.server.handler.DefaultWebFilterChain;
import org.springframework.web.server.i18n.AcceptHeaderLocaleContextResolver;
import org.springframework.web.server.i18n.LocaleContextResolver;
import org.springframework.web.server.session.DefaultWebSessionManager;
import org.springframework.web.server.session.WebSessionManager;

import com.infosysta.gateway.auth.AppAuthenticationFilter;
import com.infosysta.gateway.auth.AppCatalog;
import com.infosysta.gateway.auth.AuthProperties;
import com.infosysta.gateway.auth.ForgeKeys;
import com.infosysta.gateway.auth.InstallKeys;
import com.infosysta.gateway.auth.SubjectKeys;
import com.infosysta.gateway.auth.UserCredentialFilter;
import com.infosysta.gateway.auth.VerificationMetrics;
import com.infosysta.gateway.connect.CanonicalRequest;
import com.infosysta.gateway.guard.ClientAddresses;
import com.infosysta.gateway.guard.RequestGuardFilter;
import com.infosysta.gateway.privacy.NoStoreFilter;
import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.ratelimit.FailedAuthenticationGuard;
import com.infosysta.gateway.ratelimit.Limit;
import com.infosysta.gateway.ratelimit.MemoryRateLimitStore;
import com.infosysta.gateway.ratelimit.RateLimitFilter;
import com.infosysta.gateway.ratelimit.TokenBuckets;
import com.infosysta.gateway.resilience.CoolDowns;
import com.infosysta.gateway.resilience.ResilienceFilter;
import com.infosysta.gateway.resilience.ResilienceProperties;
import com.infosysta.gateway.resilience.UpstreamIsolation;
import com.infosysta.gateway.tenant.Registry;
import com.infosysta.gateway.tenant.RegistryFileParser;
import com.infosysta.gateway.tenant.TenantRegistry;
import com.infosysta.gateway.tenant.TenantResolutionFilter;
import com.infosysta.gateway.tenant.UpstreamAddressRules;
import com.infosysta.gateway.upstream.AppUpstreamFilter;
import com.infosysta.gateway.upstream.UpstreamRequestFilter;
import com.infosysta.gateway.upstream.UpstreamHeaders;

/**
 * One whole request through the gateway's own filters, on a mock exchange (spring-test's mock request and
 * response), without sockets: the web filters (privacy, guard, brute-force guard), then a route's filters in the
 * order {@code RoutesAutoConfiguration} gives them, then a stand-in for Spring Cloud Gateway's Netty routing filter that applies the gateway's request and
 * response header filters to what would go upstream and come back, and completes the response (which runs every
 * before-commit action). What it leaves out: Spring's and Spring Cloud Gateway's own dispatching (route lookup,
 * the filter-chain assembly per request), Netty, and the meters and access log added after it was written.
 * <p>
 * {@code mockExchangeOnly} is the cost of making the mock exchange and completing it, which every other benchmark
 * here pays as well: subtract it. Run with {@code -prof gc} for allocation per request. The warm-up is long: on two
 * slow cores the JIT is still at work on the whole chain after ten seconds.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 10, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
@Threads(1)
public class FilterChainBenchmark {

	private static final String APP = "bench-app";

	private static final String CLIENT_KEY = "bench-client-key";

	private static final String SHARED_SECRET = "bench-shared-secret-0123456789abcdef-0123456789";

	private static final String ISSUE = "/rest/api/3/issue/DEMO-1";

	private static final String JIRA_URL = "http://gateway.example/jira/server" + ISSUE;

	private static final String APPS_URL = "http://gateway.example/apps/" + APP + "/jira" + ISSUE;

	private static final InetSocketAddress CLIENT = new InetSocketAddress("198.51.100.7", 50_123);

	private static final ServerCodecConfigurer CODECS = ServerCodecConfigurer.create();

	private static final WebSessionManager SESSIONS = new DefaultWebSessionManager();

	private static final LocaleContextResolver LOCALES = new AcceptHeaderLocaleContextResolver();

	/** What a Jira sends with an issue, as Netty hands it over (never changed). */
	private static final io.netty.handler.codec.http.HttpHeaders UPSTREAM_RESPONSE = upstreamResponse();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private WebFilterChain jira;

	private WebFilterChain apps;

	private String basic;

	private String connectToken;

	private ForgeKeys forgeKeys;

	/** The outbound request headers of the last call, for the set-up's checks. */
	private io.netty.handler.codec.http.HttpHeaders lastOutbound;

	@Setup
	public void setUp() throws Exception {
		Clock clock = Clock.systemUTC();
		UpstreamAddressRules rules = UpstreamAddressRules.STRICT;
		Registry registry = new RegistryFileParser(rules).parse("benchmark", """
				plans:
				  bench:
				    tenant: { rate: 1000000, burst: 1000000, in-flight: 1000 }
				    subject: { rate: 1000000, burst: 1000000 }
				tenants:
				  - id: site
				    deployment: cloud
				    base-url: https://site.atlassian.net
				    cloud-id: 5c3fa0e2-8d1b-4a47-9c1e-6f0d2b7a9e11
				    client-key: %s
				    apps:
				      %s: { shared-secret: %s }
				    plan: bench
				  - id: server
				    deployment: server
				    base-url: https://jira.acme.example/jira
				    plan: bench
				""".formatted(CLIENT_KEY, APP, SHARED_SECRET).getBytes(StandardCharsets.UTF_8));
		TenantRegistry tenants = () -> registry;
		ProblemResponseWriter problems = new ProblemResponseWriter();
		SubjectKeys subjectKeys = new SubjectKeys(
				"bench-subject-key-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8));
		VerificationMetrics verificationMetrics = new VerificationMetrics(this.meters);

		List<WebFilter> webFilters = List.of(new NoStoreFilter(),
				new RequestGuardFilter(problems, new ClientAddresses(List.of())),
				new FailedAuthenticationGuard(new TokenBuckets(System::nanoTime, 100_000), Limit.of(10 / 60.0, 10),
						this.meters, problems));
		RateLimitFilter rateLimits = new RateLimitFilter(
				new MemoryRateLimitStore(new TokenBuckets(System::nanoTime, 100_000)), this.meters, problems);
		ResilienceProperties resilienceProperties = new ResilienceProperties(
				new ResilienceProperties.Breaker(50, 20, 50, Duration.ofSeconds(30), true),
				new ResilienceProperties.CoolDown(Duration.ofSeconds(60)), new ResilienceProperties.Retry(true, 0.1));
		ResilienceFilter resilience = new ResilienceFilter(
				new UpstreamIsolation(resilienceProperties.breaker(), System::nanoTime),
				new CoolDowns(System::nanoTime, clock, Duration.ofSeconds(60)), resilienceProperties, System::nanoTime,
				this.meters, problems);

		List<GatewayFilter> jiraFilters = List.of(new TenantResolutionFilter("/jira/", tenants, problems),
				new UserCredentialFilter(subjectKeys, verificationMetrics, problems), rateLimits,
				new UpstreamRequestFilter("/jira/",
						RegistryFileParser.parseBaseUrl("https://api.atlassian.com", rules, "api-base-url"), problems),
				resilience);
		AppCatalog catalog = new AppCatalog(Map.of(APP, new AuthProperties.App("com.infosysta.bench", null, null, null,
				null, List.of("GET /rest/api/3/issue/{key}"), List.of(), List.of())), rules);
		this.forgeKeys = ForgeKeys.create("https://forge.example/.well-known/jwks.json", rules, clock, this.meters);
		List<GatewayFilter> appFilters = List.of(
				new AppAuthenticationFilter("/apps/", catalog, tenants,
						InstallKeys.create("https://install-keys.example", rules, clock, this.meters), this.forgeKeys,
						subjectKeys, verificationMetrics, clock, Duration.ofSeconds(30), problems),
				rateLimits, new AppUpstreamFilter("/apps/", clock, problems), resilience);

		this.jira = new DefaultWebFilterChain(exchange -> new Chain(jiraFilters, 0, this::proxy).filter(exchange),
				webFilters);
		this.apps = new DefaultWebFilterChain(exchange -> new Chain(appFilters, 0, this::proxy).filter(exchange),
				webFilters);
		this.basic = "Basic " + Base64.getEncoder()
			.encodeToString("bench-user:bench-password".getBytes(StandardCharsets.UTF_8));
		Instant now = Instant.now();
		SignedJWT token = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder()
			.issuer(CLIENT_KEY)
			.subject("557058:f58131cb-b67d-43c7-b30d-6b58d40bd077")
			.issueTime(Date.from(now))
			.expirationTime(Date.from(now.plusSeconds(86_400)))
			.claim("qsh", CanonicalRequest.queryStringHash("GET", "/apps/" + APP + "/jira" + ISSUE,
					"/apps/" + APP + "/jira", null))
			.build());
		token.sign(new MACSigner(SHARED_SECRET.getBytes(StandardCharsets.UTF_8)));
		this.connectToken = "JWT " + token.serialize();
		check(jiraBasic(), "https://jira.acme.example/jira" + ISSUE, this.basic);
		check(appsConnect(), "https://site.atlassian.net" + ISSUE, "JWT ");
	}

	@TearDown
	public void tearDown() {
		this.forgeKeys.close();
	}

	/** Baseline: the mock exchange made and completed, no filter. */
	@Benchmark
	public Object mockExchangeOnly() {
		ServerWebExchange exchange = exchange(JIRA_URL, this.basic);
		ServerHttpResponse response = exchange.getResponse();
		response.setStatusCode(HttpStatus.OK);
		response.setComplete().block();
		return exchange;
	}

	/** {@code GET /jira/{tenant}/rest/api/3/issue/DEMO-1} with a Basic credential, passed through. */
	@Benchmark
	public Object jiraBasic() {
		ServerWebExchange exchange = exchange(JIRA_URL, this.basic);
		this.jira.filter(exchange).block();
		return exchange;
	}

	/**
	 * An app UI's allow-listed Jira call with a Connect JWT: verified (HS256, claims, {@code qsh}), the allow-list,
	 * rate limits, a fresh Connect JWT signed for the outbound call.
	 */
	@Benchmark
	public Object appsConnect() {
		ServerWebExchange exchange = exchange(APPS_URL, this.connectToken);
		this.apps.filter(exchange).block();
		return exchange;
	}

	/**
	 * A mock request and response in an exchange whose codecs, session manager and locale resolver are made once,
	 * as a server's are ({@code MockServerWebExchange.from} makes new codecs each time, which costs more than the
	 * whole chain).
	 */
	private static ServerWebExchange exchange(String url, String authorization) {
		MockServerHttpRequest request = MockServerHttpRequest.get(url)
			.header(HttpHeaders.AUTHORIZATION, authorization)
			.header(HttpHeaders.ACCEPT, "application/json")
			.header(HttpHeaders.USER_AGENT, "Infosysta-Mobile/5.2 (iOS 18.1)")
			.header(HttpHeaders.ACCEPT_ENCODING, "gzip")
			.remoteAddress(CLIENT)
			.build();
		return new DefaultServerWebExchange(request, new MockServerHttpResponse(), SESSIONS, CODECS, LOCALES);
	}

	/** The stand-in for the Netty routing and response-writing filters: headers both ways, then commit. */
	private Mono<Void> proxy(ServerWebExchange exchange) {
		this.lastOutbound = new DefaultHttpHeaders();
		UpstreamHeaders.forUpstream(exchange.getRequest().getHeaders(), exchange, this.lastOutbound);
		ServerHttpResponse response = exchange.getResponse();
		response.setStatusCode(HttpStatus.OK);
		UpstreamHeaders.toClient(UPSTREAM_RESPONSE, response.getHeaders(), exchange);
		return response.setComplete();
	}

	private void check(Object result, String expectedUrl, String expectedAuthorization) {
		ServerWebExchange exchange = (ServerWebExchange) result;
		if (exchange.getResponse().getStatusCode() != HttpStatus.OK) {
			throw new IllegalStateException("expected 200, got " + exchange.getResponse().getStatusCode());
		}
		Object target = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
		if (target == null || !target.toString().equals(expectedUrl)) {
			throw new IllegalStateException("expected the target " + expectedUrl + ", got " + target);
		}
		String authorization = this.lastOutbound.get(HttpHeaders.AUTHORIZATION);
		if (authorization == null || !authorization.startsWith(expectedAuthorization)) {
			throw new IllegalStateException("unexpected outbound credential");
		}
		if (!"no-store".equals(exchange.getResponse().getHeaders().getCacheControl())) {
			throw new IllegalStateException("expected Cache-Control: no-store");
		}
	}

	private static io.netty.handler.codec.http.HttpHeaders upstreamResponse() {
		io.netty.handler.codec.http.HttpHeaders headers = new DefaultHttpHeaders();
		headers.set(HttpHeaders.CONTENT_TYPE, "application/json;charset=UTF-8");
		headers.set(HttpHeaders.CONTENT_LENGTH, "2787");
		headers.set(HttpHeaders.DATE, "Thu, 26 Nov 2026 05:00:00 GMT");
		headers.set(HttpHeaders.SET_COOKIE, "atlassian.xsrf.token=abc; Path=/; Secure");
		headers.set(HttpHeaders.VARY, "Accept-Encoding");
		headers.set("X-Arequestid", "7f3a1c2b");
		headers.set("X-Ratelimit-Limit", "350");
		headers.set("X-Ratelimit-Remaining", "349");
		return headers;
	}

	/** Runs a route's filters in order, then the stand-in proxy: what Spring Cloud Gateway's chain does. */
	private record Chain(List<GatewayFilter> filters, int index, GatewayFilterChain last)
			implements GatewayFilterChain {

		@Override
		public Mono<Void> filter(ServerWebExchange exchange) {
			if (this.index < this.filters.size()) {
				Chain next = new Chain(this.filters, this.index + 1, this.last);
				return this.filters.get(this.index).filter(exchange, next);
			}
			return this.last.filter(exchange);
		}

	}

}
