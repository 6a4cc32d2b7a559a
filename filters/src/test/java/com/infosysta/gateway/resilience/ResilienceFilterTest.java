package com.infosysta.gateway.resilience;

import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import com.infosysta.gateway.auth.AppCall;
import com.infosysta.gateway.auth.AppDefinition;
import com.infosysta.gateway.auth.Principal;
import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.tenant.CredentialKind;
import com.infosysta.gateway.tenant.Registry;
import com.infosysta.gateway.tenant.RegistryFileParser;
import com.infosysta.gateway.tenant.Tenant;
import com.infosysta.gateway.tenant.TenantResolutionFilter;
import com.infosysta.gateway.tenant.UpstreamAddressRules;

import static org.assertj.core.api.Assertions.assertThat;

final class ResilienceFilterTest {

	private static final long SECOND = 1_000_000_000L;

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final String REGISTRY_YAML = """
			plans:
			  small:
			    tenant: { rate: 100, burst: 100, in-flight: %d }
			    subject: { rate: 10, burst: 10 }
			tenants:
			  - id: acme
			    deployment: server
			    base-url: https://jira.acme.example
			    plan: small
			  - id: globex
			    deployment: server
			    base-url: https://jira.globex.example
			    plan: small
			""";

	/** Two tenants on plan "small": at most two calls in flight to each one's Jira. */
	private static final Registry REGISTRY = registry(2);

	private static final Tenant ACME = REGISTRY.tenant("acme");

	private static final Tenant GLOBEX = REGISTRY.tenant("globex");

	private static final AppDefinition TEMPO = new AppDefinition("tempo", "com.infosysta.tempo", null, null, null,
			null, List.of(), List.of(), List.of());

	/** The breaker opens when half of the last four calls failed, once four were seen; it stays open 30 s. */
	private static final ResilienceProperties PROPERTIES = new ResilienceProperties(
			new ResilienceProperties.Breaker(4, 4, 50, Duration.ofSeconds(30), true),
			new ResilienceProperties.CoolDown(Duration.ofSeconds(60)), new ResilienceProperties.Retry(true, 0.1));

	/** The hand-driven nano clock; starts far from zero so nothing depends on time 0 being special. */
	private final AtomicLong now = new AtomicLong(3_000 * SECOND);

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final UpstreamIsolation isolation = new UpstreamIsolation(PROPERTIES.breaker(), this.now::get);

	private final CoolDowns coolDowns = new CoolDowns(this.now::get,
			Clock.fixed(Instant.parse("2026-11-20T10:15:20Z"), ZoneOffset.UTC), PROPERTIES.coolDown().max());

	private final ResilienceFilter filter = new ResilienceFilter(this.isolation, this.coolDowns, PROPERTIES,
			this.now::get, this.meters, new ProblemResponseWriter());

	private final AtomicInteger chainCalls = new AtomicInteger();

	private final GatewayFilterChain ok = chain(HttpStatus.OK);

	private final GatewayFilterChain cannotConnect = exchange -> {
		this.chainCalls.incrementAndGet();
		return Mono.error(new ConnectException("Connection refused: jira.acme.example/203.0.113.7:443"));
	};

	/** Calls left in flight by a test; cancelled after it. */
	private final List<Disposable> inFlight = new ArrayList<>();

	@AfterEach
	void cancelCallsLeftInFlight() {
		this.inFlight.forEach(Disposable::dispose);
	}

	// Retries

	@Test
	void retriesAGetWhoseConnectionFailedExactlyOnceWhenTheBudgetAllows() {
		seedRetryBudget();
		MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("/jira/acme/rest/api/3/myself"), ACME);

		StepVerifier.withVirtualTime(() -> this.filter.filter(exchange, this.cannotConnect))
			.thenAwait(Duration.ofSeconds(1))
			.verifyError(ConnectException.class);

		assertThat(this.chainCalls).as("the first attempt and one retry").hasValue(2);
		assertThat(retries()).isEqualTo(1);
	}

	@Test
	void aRetryThatConnectsAnswersTheClient() {
		seedRetryBudget();
		AtomicInteger attempts = new AtomicInteger();
		GatewayFilterChain failsOnce = exchange -> {
			if (attempts.incrementAndGet() == 1) {
				return Mono.error(new ConnectException("Connection refused"));
			}
			exchange.getResponse().setStatusCode(HttpStatus.OK);
			return exchange.getResponse().setComplete();
		};
		MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("/jira/acme/rest/api/3/myself"), ACME);

		StepVerifier.withVirtualTime(() -> this.filter.filter(exchange, failsOnce))
			.thenAwait(Duration.ofSeconds(1))
			.verifyComplete();

		assertThat(attempts).hasValue(2);
		assertThat(status(exchange)).isEqualTo(200);
		assertThat(retries()).isEqualTo(1);
		assertThat(this.isolation.breaker("acme").getMetrics().getNumberOfFailedCalls()).isZero();
	}

	@Test
	void neverRetriesAPost() {
		seedRetryBudget();
		MockServerWebExchange exchange = exchange(MockServerHttpRequest.post("/jira/acme/rest/api/3/issue"), ACME);

		StepVerifier.create(this.filter.filter(exchange, this.cannotConnect)).verifyError(ConnectException.class);

		assertThat(this.chainCalls).hasValue(1);
		assertThat(retries()).isZero();
	}

	@Test
	void neverRetriesAGetWithABody() {
		seedRetryBudget();
		MockServerWebExchange exchange = exchange(
				MockServerHttpRequest.get("/jira/acme/rest/api/3/search").header(HttpHeaders.CONTENT_LENGTH, "5"), ACME);

		StepVerifier.create(this.filter.filter(exchange, this.cannotConnect)).verifyError(ConnectException.class);

		assertThat(this.chainCalls).hasValue(1);
		assertThat(retries()).isZero();
	}

	@Test
	void neverRetriesWhenTheBudgetIsEmpty() {
		MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("/jira/acme/rest/api/3/myself"), ACME);

		StepVerifier.create(this.filter.filter(exchange, this.cannotConnect)).verifyError(ConnectException.class);

		assertThat(this.chainCalls).hasValue(1);
		assertThat(retries()).isZero();
	}

	// Circuit breaker

	@Test
	void repeatedConnectFailuresOpenTheBreakerThenTheGatewayAnswers503ItselfWithRetryAfter() {
		for (int i = 0; i < 4; i++) {
			MockServerWebExchange failed = exchange(MockServerHttpRequest.get("/jira/acme/rest/api/3/myself"), ACME);
			StepVerifier.create(this.filter.filter(failed, this.cannotConnect)).verifyError(ConnectException.class);
		}
		assertThat(this.chainCalls).as("no retries: four calls earn less than one").hasValue(4);

		MockServerWebExchange refused = call(ACME, this.ok);

		assertThat(this.chainCalls).as("the open breaker keeps the call from the chain").hasValue(4);
		assertThat(status(refused)).isEqualTo(503);
		assertThat(refused.getResponse().getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(reason(refused)).isEqualTo("circuit-open");
		assertThat(retryAfter(refused)).isEqualTo(30);
		assertThat(rejections("circuit-open")).isEqualTo(1);

		this.now.addAndGet(12 * SECOND);
		assertThat(retryAfter(call(ACME, this.ok))).as("12 s later").isEqualTo(18);

		assertThat(status(call(GLOBEX, this.ok))).as("another tenant").isEqualTo(200);
	}

	@Test
	void a503FromTheUpstreamCountsAsAFailure() {
		GatewayFilterChain unavailable = chain(HttpStatus.SERVICE_UNAVAILABLE);
		for (int i = 0; i < 4; i++) {
			assertThat(status(call(ACME, unavailable))).isEqualTo(503);
		}

		MockServerWebExchange refused = call(ACME, this.ok);

		assertThat(this.chainCalls).hasValue(4);
		assertThat(reason(refused)).isEqualTo("circuit-open");
	}

	@Test
	void a503DoesNotCountWhenFailOn5xxIsOff() {
		ResilienceProperties properties = new ResilienceProperties(
				new ResilienceProperties.Breaker(4, 4, 50, Duration.ofSeconds(30), false), PROPERTIES.coolDown(),
				PROPERTIES.retry());
		ResilienceFilter lenient = new ResilienceFilter(this.isolation, this.coolDowns, properties, this.now::get,
				new SimpleMeterRegistry(), new ProblemResponseWriter());
		GatewayFilterChain unavailable = chain(HttpStatus.SERVICE_UNAVAILABLE);

		for (int i = 0; i < 10; i++) {
			MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("/jira/acme/x"), ACME);
			StepVerifier.create(lenient.filter(exchange, unavailable)).verifyComplete();
		}

		assertThat(this.chainCalls).hasValue(10);
		assertThat(this.isolation.breaker("acme").getState()).isEqualTo(CircuitBreaker.State.CLOSED);
	}

	@Test
	void a404FromTheUpstreamIsNotAFailure() {
		GatewayFilterChain notFound = chain(HttpStatus.NOT_FOUND);

		for (int i = 0; i < 10; i++) {
			assertThat(status(call(ACME, notFound))).isEqualTo(404);
		}

		assertThat(this.chainCalls).hasValue(10);
		assertThat(this.isolation.breaker("acme").getState()).isEqualTo(CircuitBreaker.State.CLOSED);
		assertThat(this.isolation.breaker("acme").getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(4);
	}

	@Test
	void a429FromTheUpstreamIsNotAFailure() {
		GatewayFilterChain tooMany = chain(HttpStatus.TOO_MANY_REQUESTS);

		for (int i = 0; i < 10; i++) {
			assertThat(status(call(ACME, tooMany))).isEqualTo(429);
		}

		assertThat(this.chainCalls).as("a 429 without Retry-After starts no cool-down").hasValue(10);
		assertThat(this.isolation.breaker("acme").getState()).isEqualTo(CircuitBreaker.State.CLOSED);
	}

	// Bulkhead

	@Test
	void aThirdCallWhileTwoAreInFlightGets503UpstreamBusyWithRetryAfterOneSecond() {
		startCallThatNeverEnds(ACME);
		startCallThatNeverEnds(ACME);

		MockServerWebExchange refused = call(ACME, this.ok);

		assertThat(this.chainCalls).as("only the two in flight reached the chain").hasValue(2);
		assertThat(status(refused)).isEqualTo(503);
		assertThat(reason(refused)).isEqualTo("upstream-busy");
		assertThat(refused.getResponse().getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("1");
		assertThat(rejections("bulkhead-full")).isEqualTo(1);
		assertThat(status(call(GLOBEX, this.ok))).as("another tenant").isEqualTo(200);
	}

	@Test
	void cancellingACallInFlightFreesItsPlace() {
		Disposable first = startCallThatNeverEnds(ACME);
		startCallThatNeverEnds(ACME);

		first.dispose();
		MockServerWebExchange served = call(ACME, this.ok);

		assertThat(status(served)).isEqualTo(200);
		assertThat(this.chainCalls).hasValue(3);
		assertThat(this.isolation.bulkhead("acme", 2).availableConcurrentCalls())
			.as("the served call gave its place back too, one is still in flight")
			.isEqualTo(1);
	}

	@Test
	void aFinishedCallFreesItsPlace() {
		for (int i = 0; i < 5; i++) {
			assertThat(status(call(ACME, this.ok))).isEqualTo(200);
		}

		InFlightLimit bulkhead = this.isolation.bulkhead("acme", 2);
		assertThat(bulkhead.availableConcurrentCalls()).isEqualTo(2);
	}

	/**
	 * A registry reload lowers the tenant's {@code in-flight} from 2 to 1 while two calls are in flight. The next
	 * call runs on a non-blocking thread, as on a Netty event loop: it must be answered 503 upstream-busy at
	 * once, without blocking that thread until a call in flight ends.
	 */
	@Test
	void aPlanLoweredWhileCallsAreInFlightAnswersBusyWithoutBlockingTheRequestThread() {
		startCallThatNeverEnds(ACME);
		startCallThatNeverEnds(ACME);
		Tenant reloaded = registry(1).tenant("acme");
		MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("/jira/acme/rest/api/3/myself"),
				reloaded);

		StepVerifier.create(Mono.defer(() -> this.filter.filter(exchange, this.ok)).subscribeOn(Schedulers.parallel()))
			.expectComplete()
			.verify(Duration.ofSeconds(5));

		assertThat(status(exchange)).isEqualTo(503);
		assertThat(reason(exchange)).isEqualTo("upstream-busy");
	}

	// Cool-down after Jira's 429

	@Test
	void afterJiraAnswers429WithRetryAfterTheGatewayAnswersTheTenantsNextCallItself() {
		GatewayFilterChain jiraRefuses = exchange -> {
			this.chainCalls.incrementAndGet();
			exchange.getResponse().setStatusCode(HttpStatus.TOO_MANY_REQUESTS);
			exchange.getResponse().getHeaders().set(HttpHeaders.RETRY_AFTER, "30");
			return exchange.getResponse().setComplete();
		};
		MockServerWebExchange refusedByJira = call(ACME, principal("acme", "alice"), jiraRefuses);
		assertThat(status(refusedByJira)).isEqualTo(429);
		assertThat(this.meters.get("infosysta.gateway.cooldowns.started").counter().count()).isEqualTo(1);

		MockServerWebExchange answered = call(ACME, principal("acme", "bob"), this.ok);

		assertThat(this.chainCalls).as("the cooling tenant's call never reached the chain").hasValue(1);
		assertThat(status(answered)).isEqualTo(429);
		assertThat(reason(answered)).isEqualTo("jira-cool-down");
		assertThat(retryAfter(answered)).isBetween(1L, 30L);
		assertThat(rejections("cool-down")).isEqualTo(1);

		MockServerWebExchange otherTenant = call(GLOBEX, principal("globex", "alice"), this.ok);
		assertThat(status(otherTenant)).isEqualTo(200);
		assertThat(this.chainCalls).hasValue(2);
	}

	@Test
	void theCoolDownsRetryAfterCountsDownAndThenTheTenantIsServedAgain() {
		call(ACME, chain(HttpStatus.TOO_MANY_REQUESTS, "30"));

		this.now.addAndGet(20 * SECOND + 1);
		assertThat(retryAfter(call(ACME, this.ok))).as("just under 10 s left, rounded up").isEqualTo(10);

		this.now.addAndGet(10 * SECOND);
		assertThat(status(call(ACME, this.ok))).isEqualTo(200);
	}

	@Test
	void aCallAnsweredWithACoolDownHoldsNoBulkheadPlace() {
		call(ACME, chain(HttpStatus.TOO_MANY_REQUESTS, "30"));
		for (int i = 0; i < 5; i++) {
			assertThat(reason(call(ACME, this.ok))).isEqualTo("jira-cool-down");
		}

		assertThat(this.isolation.bulkhead("acme", 2).availableConcurrentCalls()).isEqualTo(2);
	}

	// App backends

	@Test
	void anAppsBackendHasItsOwnBreakerAndBulkheadNamedAfterTheApp() {
		MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("/apps/tempo/api/worklogs"), ACME);
		exchange.getAttributes().put(AppCall.ATTRIBUTE, new AppCall(TEMPO, false, "/api/worklogs", ACME, null));

		StepVerifier.create(this.filter.filter(exchange, this.ok)).verifyComplete();

		assertThat(status(exchange)).isEqualTo(200);
		assertThat(this.isolation.breakers().find("app:tempo")).isPresent();
		assertThat(this.isolation.breakers().find("acme")).as("the tenant's Jira breaker").isEmpty();
		assertThat(this.isolation.bulkheads()).containsKey("app:tempo");
		assertThat(this.isolation.bulkheads().get("app:tempo").maxConcurrentCalls())
			.isEqualTo(200);
	}

	@Test
	void aFailingAppBackendDoesNotStopTheTenantsJira() {
		for (int i = 0; i < 4; i++) {
			MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("/apps/tempo/api/worklogs"), ACME);
			exchange.getAttributes().put(AppCall.ATTRIBUTE, new AppCall(TEMPO, false, "/api/worklogs", ACME, null));
			StepVerifier.create(this.filter.filter(exchange, this.cannotConnect)).verifyError(ConnectException.class);
		}
		assertThat(this.isolation.breaker("app:tempo").getState()).isEqualTo(CircuitBreaker.State.OPEN);

		assertThat(status(call(ACME, this.ok))).isEqualTo(200);
	}

	@Test
	void anAppUisCallToJiraSharesTheTenantsBreaker() {
		MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("/apps/tempo/jira/rest/api/3/myself"),
				ACME);
		exchange.getAttributes().put(AppCall.ATTRIBUTE, new AppCall(TEMPO, true, "/rest/api/3/myself", ACME, null));

		StepVerifier.create(this.filter.filter(exchange, this.ok)).verifyComplete();

		assertThat(this.isolation.breakers().find("acme")).isPresent();
		assertThat(this.isolation.breakers().find("app:tempo")).isEmpty();
	}

	@Test
	void a429FromAnAppBackendStartsNoJiraCoolDown() {
		MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("/apps/tempo/api/worklogs"), ACME);
		exchange.getAttributes().put(AppCall.ATTRIBUTE, new AppCall(TEMPO, false, "/api/worklogs", ACME, null));

		StepVerifier.create(this.filter.filter(exchange, chain(HttpStatus.TOO_MANY_REQUESTS, "30")))
			.verifyComplete();

		assertThat(status(call(ACME, this.ok))).isEqualTo(200);
	}

	@Test
	void passesACallWithoutTenantOrAppUntouched() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/health"));

		StepVerifier.create(this.filter.filter(exchange, this.ok)).verifyComplete();

		assertThat(status(exchange)).isEqualTo(200);
		assertThat(this.isolation.breakers().getAllCircuitBreakers()).isEmpty();
	}

	// Helpers

	/** Twenty served calls earn two retries at a share of 0.1. */
	private void seedRetryBudget() {
		for (int i = 0; i < 20; i++) {
			assertThat(status(call(ACME, this.ok))).isEqualTo(200);
		}
		this.chainCalls.set(0);
	}

	private Disposable startCallThatNeverEnds(Tenant tenant) {
		MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("/jira/" + tenant.id() + "/slow"),
				tenant);
		Disposable call = this.filter.filter(exchange, upstream -> {
			this.chainCalls.incrementAndGet();
			return Mono.never();
		}).subscribe();
		this.inFlight.add(call);
		return call;
	}

	private GatewayFilterChain chain(HttpStatus status) {
		return chain(status, null);
	}

	private GatewayFilterChain chain(HttpStatus status, String retryAfter) {
		return exchange -> {
			this.chainCalls.incrementAndGet();
			exchange.getResponse().setStatusCode(status);
			if (retryAfter != null) {
				exchange.getResponse().getHeaders().set(HttpHeaders.RETRY_AFTER, retryAfter);
			}
			return exchange.getResponse().setComplete();
		};
	}

	private MockServerWebExchange call(Tenant tenant, GatewayFilterChain chain) {
		return call(tenant, principal(tenant.id(), "alice"), chain);
	}

	private MockServerWebExchange call(Tenant tenant, Principal principal, GatewayFilterChain chain) {
		MockServerWebExchange exchange = exchange(
				MockServerHttpRequest.get("/jira/" + tenant.id() + "/rest/api/3/myself"), tenant);
		exchange.getAttributes().put(Principal.ATTRIBUTE, principal);
		StepVerifier.create(this.filter.filter(exchange, chain)).verifyComplete();
		return exchange;
	}

	private static MockServerWebExchange exchange(MockServerHttpRequest.BaseBuilder<?> request, Tenant tenant) {
		MockServerWebExchange exchange = MockServerWebExchange.from(request);
		exchange.getAttributes().put(TenantResolutionFilter.TENANT_ATTRIBUTE, tenant);
		return exchange;
	}

	private static Principal principal(String tenantId, String user) {
		return new Principal(tenantId, null, CredentialKind.BASIC, "subject-key-of-" + user, null);
	}

	private static Registry registry(int inFlight) {
		return new RegistryFileParser(UpstreamAddressRules.STRICT).parse("registry.yml",
				REGISTRY_YAML.formatted(inFlight).getBytes(StandardCharsets.UTF_8));
	}

	private double retries() {
		return this.meters.get("infosysta.gateway.upstream.retries").counter().count();
	}

	private double rejections(String reason) {
		return this.meters.get("infosysta.gateway.resilience.rejections").tag("reason", reason).counter().count();
	}

	private static int status(MockServerWebExchange exchange) {
		return exchange.getResponse().getStatusCode().value();
	}

	private static long retryAfter(MockServerWebExchange exchange) {
		return Long.parseLong(exchange.getResponse().getHeaders().getFirst(HttpHeaders.RETRY_AFTER));
	}

	private static String reason(MockServerWebExchange exchange) {
		JsonNode body = JSON.readTree(exchange.getResponse().getBodyAsString().block());
		return body.path("reason").asString();
	}

}
