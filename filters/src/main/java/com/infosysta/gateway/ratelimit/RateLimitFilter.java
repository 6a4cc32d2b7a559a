package com.infosysta.gateway.ratelimit;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;

import com.infosysta.gateway.auth.AppCall;
import com.infosysta.gateway.auth.Principal;
import com.infosysta.gateway.auth.UserCredentialFilter;
import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.problem.ProblemType;
import com.infosysta.gateway.tenant.Plan;
import com.infosysta.gateway.tenant.Tenant;
import com.infosysta.gateway.tenant.TenantResolutionFilter;

/**
 * Step four: the tenant's and the subject's token buckets from the tenant's plan, charged together. A refused
 * call gets 429 with {@code Retry-After}; every answer on a limited call carries the IETF draft
 * {@code RateLimit-Policy} and {@code RateLimit} fields for the gateway's limits, unless the upstream already
 * sent its own, which stay. Atlassian's own calls to {@code /apps/{app}/…} (webhooks, lifecycle, Forge) are
 * never limited: dropping them would lose events. An app UI's calls (to Jira, or to the backend with a context
 * token) are. The store decides how to fail (see {@link RateLimitStore}).
 */
public final class RateLimitFilter implements GatewayFilter, Ordered {

	public static final int ORDER = UserCredentialFilter.ORDER + 100;

	static final String POLICY_HEADER = "RateLimit-Policy";

	static final String STATE_HEADER = "RateLimit";

	private static final int MAX_CACHED_PLANS = 256;

	private final RateLimitStore store;

	private final RateLimitMetrics metrics;

	private final ProblemResponseWriter problems;

	private final ConcurrentMap<Plan, PlanLimits> plans = new ConcurrentHashMap<>();

	public RateLimitFilter(RateLimitStore store, MeterRegistry meters, ProblemResponseWriter problems) {
		this.store = store;
		this.metrics = new RateLimitMetrics(meters);
		this.problems = problems;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		AppCall call = exchange.getAttribute(AppCall.ATTRIBUTE);
		Tenant tenant = exchange.getAttribute(TenantResolutionFilter.TENANT_ATTRIBUTE);
		Principal principal = exchange.getAttribute(Principal.ATTRIBUTE);
		if ((call != null && !call.isRateLimited()) || tenant == null) {
			// Atlassian's own calls, and calls of sites not (yet) registered: nothing to charge.
			return chain.filter(exchange);
		}
		PlanLimits limits = limits(tenant.plan());
		String subject = (principal != null) ? principal.subjectKey() : null;
		RateLimitStore.Charge charge = new RateLimitStore.Charge(tenant.id(), limits.tenant(), subject,
				(subject != null) ? limits.subject() : null);
		return this.store.decide(charge).flatMap(decision -> {
			addHeaders(exchange.getResponse(), limits, decision, subject != null);
			if (!decision.allowed()) {
				this.metrics.refused(decision.refusedBy());
				exchange.getResponse()
					.getHeaders()
					.set(HttpHeaders.RETRY_AFTER, Long.toString(FailedAuthenticationGuard.seconds(decision
						.retryAfterNanos())));
				return this.problems.write(exchange, ProblemType.RATE_LIMITED,
						(decision.refusedBy() == RateLimitStore.Scope.TENANT)
								? "This tenant's rate limit is exhausted; retry later."
								: "This user's rate limit is exhausted; retry later.");
			}
			this.metrics.allowed(RateLimitStore.Scope.TENANT);
			if (subject != null) {
				this.metrics.allowed(RateLimitStore.Scope.SUBJECT);
			}
			return chain.filter(exchange);
		});
	}

	private PlanLimits limits(Plan plan) {
		PlanLimits limits = this.plans.get(plan);
		if (limits == null) {
			if (this.plans.size() > MAX_CACHED_PLANS) {
				this.plans.clear();
			}
			limits = PlanLimits.of(Limit.of(plan.tenant().rate(), plan.tenant().burst()),
					Limit.of(plan.subject().rate(), plan.subject().burst()));
			this.plans.put(plan, limits);
		}
		return limits;
	}

	private static void addHeaders(ServerHttpResponse response, PlanLimits limits, RateLimitStore.Decision decision,
			boolean withSubject) {
		String policyField = withSubject ? limits.policyWithSubject() : limits.tenantPolicy();
		boolean subjectCloser = withSubject && (decision.refusedBy() == RateLimitStore.Scope.SUBJECT
				|| (decision.refusedBy() == null && decision.subjectRemaining() < decision.tenantRemaining()));
		String state = subjectCloser
				? "\"subject\";r=" + decision.subjectRemaining() + ";t=" + seconds(decision.subjectFullInNanos())
				: "\"tenant\";r=" + decision.tenantRemaining() + ";t=" + seconds(decision.tenantFullInNanos());
		response.beforeCommit(() -> {
			HttpHeaders headers = response.getHeaders();
			// The upstream's own fields, if it sent any, describe its limits and stay.
			if (!headers.containsHeader(POLICY_HEADER) && !headers.containsHeader(STATE_HEADER)) {
				headers.set(POLICY_HEADER, policyField);
				headers.set(STATE_HEADER, state);
			}
			return Mono.empty();
		});
	}

	private static long seconds(long nanos) {
		return (nanos + 999_999_999L) / 1_000_000_000L;
	}

	/** A plan's limits and its {@code RateLimit-Policy} values, built once per plan rather than per call. */
	private record PlanLimits(Limit tenant, Limit subject, String tenantPolicy, String policyWithSubject) {

		static PlanLimits of(Limit tenant, Limit subject) {
			String tenantPolicy = policy("tenant", tenant);
			return new PlanLimits(tenant, subject, tenantPolicy, tenantPolicy + ", " + policy("subject", subject));
		}

		private static String policy(String name, Limit limit) {
			return "\"" + name + "\";q=" + limit.burst() + ";w=" + limit.windowSeconds();
		}

	}

}
