package com.infosysta.gateway.resilience;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;

import com.infosysta.gateway.auth.AppCall;
import com.infosysta.gateway.auth.Principal;
import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.problem.ProblemType;
import com.infosysta.gateway.tenant.Tenant;
import com.infosysta.gateway.tenant.TenantResolutionFilter;
import com.infosysta.gateway.upstream.UpstreamRequestFilter;

/**
 * Step six: keeps one customer's slow or failing Jira from slowing or failing anyone else, and keeps the
 * gateway from piling load onto a Jira that is struggling. Per upstream (each tenant's Jira, each app's
 * backend): a circuit breaker (open: 503 at once, {@code Retry-After} until the probe), a bulkhead of the plan's
 * {@code in-flight} calls (full: 503 at once, never a queue), and, after Jira answered 429, a cool-down during
 * which the gateway answers the same scope's calls with 429 itself. An idempotent call without a body whose
 * connection could not be opened is retried once, after a little jitter, within a retry budget; no body is
 * ever kept for a retry. A client that goes away cancels the upstream call and frees its bulkhead place.
 */
public final class ResilienceFilter implements GatewayFilter, Ordered {

	public static final int ORDER = UpstreamRequestFilter.ORDER + 10;

	private static final int APP_BACKEND_IN_FLIGHT = 200;

	private final UpstreamIsolation isolation;

	private final CoolDowns coolDowns;

	private final RetryBudget retryBudget;

	private final boolean retryEnabled;

	private final boolean failOn5xx;

	private final LongSupplier nanoClock;

	private final ProblemResponseWriter problems;

	private final Counter circuitOpen;

	private final Counter bulkheadFull;

	private final Counter coolDownAnswered;

	private final Counter coolDownsStarted;

	private final Counter retries;

	public ResilienceFilter(UpstreamIsolation isolation, CoolDowns coolDowns, ResilienceProperties properties,
			LongSupplier nanoClock, MeterRegistry meters, ProblemResponseWriter problems) {
		this.isolation = isolation;
		this.coolDowns = coolDowns;
		this.retryBudget = new RetryBudget(properties.retry().budget());
		this.retryEnabled = properties.retry().enabled();
		this.failOn5xx = properties.breaker().failOn5xx();
		this.nanoClock = nanoClock;
		this.problems = problems;
		this.circuitOpen = rejections(meters, "circuit-open");
		this.bulkheadFull = rejections(meters, "bulkhead-full");
		this.coolDownAnswered = rejections(meters, "cool-down");
		this.coolDownsStarted = Counter.builder("infosysta.gateway.cooldowns.started")
			.description("Cool-downs started after Jira answered 429")
			.register(meters);
		this.retries = Counter.builder("infosysta.gateway.upstream.retries")
			.description("Idempotent calls retried because their connection could not be opened")
			.register(meters);
	}

	private static Counter rejections(MeterRegistry meters, String reason) {
		return Counter.builder("infosysta.gateway.resilience.rejections")
			.description("Calls answered by the gateway to protect an upstream, by reason")
			.tag("reason", reason)
			.register(meters);
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		AppCall call = exchange.getAttribute(AppCall.ATTRIBUTE);
		Tenant tenant = exchange.getAttribute(TenantResolutionFilter.TENANT_ATTRIBUTE);
		boolean toJira = call == null || call.toJira();
		String name;
		int inFlight;
		if (toJira && tenant != null) {
			name = tenant.id();
			inFlight = tenant.plan().tenant().inFlight();
		}
		else if (call != null) {
			name = "app:" + call.app().id();
			inFlight = APP_BACKEND_IN_FLIGHT;
		}
		else {
			return chain.filter(exchange);
		}
		Principal principal = exchange.getAttribute(Principal.ATTRIBUTE);
		String subject = (principal != null) ? principal.subjectKey() : null;
		ServerHttpResponse response = exchange.getResponse();
		if (toJira) {
			long wait = this.coolDowns.remainingNanos(name, subject);
			if (wait > 0) {
				this.coolDownAnswered.increment();
				response.getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(seconds(wait)));
				return this.problems.write(exchange, ProblemType.JIRA_COOL_DOWN,
						"Jira asked not to be called for a while; retry later.");
			}
		}
		CircuitBreaker breaker = this.isolation.breaker(name);
		if (!breaker.tryAcquirePermission()) {
			this.circuitOpen.increment();
			response.getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(this.isolation.secondsUntilProbe(name)));
			return this.problems.write(exchange, ProblemType.CIRCUIT_OPEN,
					"This upstream is failing; calls are paused for a while.");
		}
		InFlightLimit bulkhead = this.isolation.bulkhead(name, inFlight);
		if (!bulkhead.tryAcquirePermission()) {
			breaker.releasePermission();
			this.bulkheadFull.increment();
			response.getHeaders().set(HttpHeaders.RETRY_AFTER, "1");
			return this.problems.write(exchange, ProblemType.UPSTREAM_BUSY,
					"Too many calls to this upstream are in flight; retry shortly.");
		}
		this.retryBudget.deposit();
		if (toJira) {
			response.beforeCommit(() -> {
				if (isTooManyRequests(response.getStatusCode())) {
					if (!this.coolDowns.recordTooManyRequests(name, subject, response.getHeaders()).isZero()) {
						this.coolDownsStarted.increment();
					}
				}
				return Mono.empty();
			});
		}
		long started = this.nanoClock.getAsLong();
		boolean[] recorded = new boolean[1];
		return withRetry(exchange, chain).doOnSuccess(done -> {
			recorded[0] = true;
			HttpStatusCode status = response.getStatusCode();
			long elapsed = this.nanoClock.getAsLong() - started;
			if (this.failOn5xx && status != null && status.is5xxServerError()) {
				breaker.onError(elapsed, TimeUnit.NANOSECONDS, new UpstreamServerError(status.value()));
			}
			else {
				breaker.onSuccess(elapsed, TimeUnit.NANOSECONDS);
			}
		}).doOnError(failure -> {
			recorded[0] = true;
			long elapsed = this.nanoClock.getAsLong() - started;
			if (isUpstreamFailure(failure)) {
				breaker.onError(elapsed, TimeUnit.NANOSECONDS, failure);
			}
			else {
				breaker.releasePermission();
			}
		}).doFinally(signal -> {
			bulkhead.onComplete();
			if (signal == SignalType.CANCEL && !recorded[0]) {
				breaker.releasePermission();
			}
		});
	}

	/** Once, for a call that can be replayed without a body, when the connection could not be opened. */
	private Mono<Void> withRetry(ServerWebExchange exchange, GatewayFilterChain chain) {
		Mono<Void> first = chain.filter(exchange);
		if (!this.retryEnabled || !isReplayable(exchange.getRequest())) {
			return first;
		}
		return first.onErrorResume(ResilienceFilter::couldNotConnect, failure -> {
			if (exchange.getResponse().isCommitted() || !this.retryBudget.tryWithdraw()) {
				return Mono.error(failure);
			}
			this.retries.increment();
			exchange.getAttributes().remove(ServerWebExchangeUtils.GATEWAY_ALREADY_ROUTED_ATTR);
			Duration jitter = Duration.ofMillis(10 + ThreadLocalRandom.current().nextInt(40));
			return Mono.delay(jitter).then(Mono.defer(() -> chain.filter(exchange)));
		});
	}

	static boolean isReplayable(ServerHttpRequest request) {
		HttpMethod method = request.getMethod();
		boolean idempotentWithoutBody = method == HttpMethod.GET || method == HttpMethod.HEAD
				|| method == HttpMethod.OPTIONS;
		HttpHeaders headers = request.getHeaders();
		return idempotentWithoutBody && headers.getContentLength() <= 0
				&& !headers.containsHeader(HttpHeaders.TRANSFER_ENCODING);
	}

	private static boolean couldNotConnect(Throwable failure) {
		for (Throwable current = failure; current != null; current = current.getCause()) {
			if (current instanceof ConnectException) {
				return true;
			}
		}
		return false;
	}

	private static boolean isUpstreamFailure(Throwable failure) {
		for (Throwable current = failure; current != null; current = current.getCause()) {
			if (current instanceof IOException || current instanceof TimeoutException
					|| current instanceof io.netty.handler.timeout.TimeoutException
					|| (current instanceof ResponseStatusException status && status.getStatusCode().value() == 504)) {
				return true;
			}
		}
		return false;
	}

	private static boolean isTooManyRequests(HttpStatusCode status) {
		return status != null && status.value() == 429;
	}

	private static long seconds(long nanos) {
		return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
	}

	/** A 5xx answer, recorded as a breaker failure. */
	static final class UpstreamServerError extends RuntimeException {

		private static final long serialVersionUID = 1L;

		UpstreamServerError(int status) {
			super("upstream answered " + status, null, false, false);
		}

	}

}
