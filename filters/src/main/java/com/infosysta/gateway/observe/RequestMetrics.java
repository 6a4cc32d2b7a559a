package com.infosysta.gateway.observe;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import com.infosysta.gateway.problem.ProblemType;

/**
 * The per-request meters: every answer by route, tenant, method and status class; the upstream's time to
 * response headers; the gateway's own share of the time to response headers (its overhead); and the answers the
 * gateway gave itself, by reason. Histograms have fixed buckets so every replica's series add up.
 * <p>
 * Meters are looked up without allocating: one holder per tenant tag, arrays indexed by route, method and
 * status class, filled on first use. Every tag value comes from a closed set or the registry, never from the
 * request.
 */
public final class RequestMetrics {

	static final String[] ROUTES = { "jira", "apps", "other" };

	static final String[] METHODS = { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other" };

	static final String[] STATUS_CLASSES = { "1xx", "2xx", "3xx", "4xx", "5xx", "error" };

	static final int UPSTREAM_ERROR = 5;

	private static final Duration[] REQUEST_BUCKETS = durations(5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000,
			10000, 30000);

	private static final Duration[] UPSTREAM_BUCKETS = REQUEST_BUCKETS;

	private static final Duration[] OVERHEAD_BUCKETS = { Duration.ofNanos(500_000), Duration.ofMillis(1),
			Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
			Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250) };

	private static final ProblemType[] PROBLEMS = ProblemType.values();

	private final MeterRegistry registry;

	private final Map<String, TenantMeters> byTenant = new ConcurrentHashMap<>();

	public RequestMetrics(MeterRegistry registry) {
		this.registry = registry;
	}

	/** Index of a route in {@link #ROUTES} from the request path. */
	public static int route(String path) {
		if (path.startsWith("/jira/")) {
			return 0;
		}
		if (path.startsWith("/apps/")) {
			return 1;
		}
		return 2;
	}

	public static String routeName(int route) {
		return ROUTES[route];
	}

	/** Index in {@link #METHODS}; a method outside the allowed set is {@code other}. */
	public static int method(String method) {
		for (int i = 0; i < METHODS.length - 1; i++) {
			if (METHODS[i].equals(method)) {
				return i;
			}
		}
		return METHODS.length - 1;
	}

	public static String methodName(int method) {
		return METHODS[method];
	}

	private static int statusClass(int status) {
		int index = status / 100 - 1;
		return (index < 0 || index > 4) ? 4 : index;
	}

	/** Records one answered request; {@code upstreamNanos} and {@code overheadNanos} are negative when absent. */
	public void record(String tenantTag, int route, int method, int status, long totalNanos, long upstreamNanos,
			boolean upstreamAnswered, long overheadNanos, ProblemType problem) {
		TenantMeters meters = this.byTenant.computeIfAbsent(tenantTag, TenantMeters::new);
		meters.request(route, method, statusClass(status)).record(totalNanos, TimeUnit.NANOSECONDS);
		if (upstreamNanos >= 0) {
			int upstreamClass = upstreamAnswered ? statusClass(status) : UPSTREAM_ERROR;
			meters.upstream(route, upstreamClass).record(upstreamNanos, TimeUnit.NANOSECONDS);
		}
		if (overheadNanos >= 0) {
			meters.overhead(route).record(overheadNanos, TimeUnit.NANOSECONDS);
		}
		if (problem != null) {
			meters.problem(route, problem).increment();
		}
	}

	private static Duration[] durations(long... millis) {
		Duration[] result = new Duration[millis.length];
		for (int i = 0; i < millis.length; i++) {
			result[i] = Duration.ofMillis(millis[i]);
		}
		return result;
	}

	/** The meters of one tenant tag. */
	private final class TenantMeters {

		private final String tenant;

		private final AtomicReferenceArray<Timer> requests = new AtomicReferenceArray<>(
				ROUTES.length * METHODS.length * STATUS_CLASSES.length);

		private final AtomicReferenceArray<Timer> upstream = new AtomicReferenceArray<>(
				ROUTES.length * STATUS_CLASSES.length);

		private final AtomicReferenceArray<Timer> overhead = new AtomicReferenceArray<>(ROUTES.length);

		private final AtomicReferenceArray<Counter> problems = new AtomicReferenceArray<>(
				ROUTES.length * PROBLEMS.length);

		TenantMeters(String tenant) {
			this.tenant = tenant;
		}

		Timer request(int route, int method, int statusClass) {
			int index = (route * METHODS.length + method) * STATUS_CLASSES.length + statusClass;
			Timer timer = this.requests.get(index);
			if (timer == null) {
				timer = Timer.builder("infosysta.gateway.requests")
					.description("Requests answered on the public port, by route, tenant, method and status class")
					.tags("route", ROUTES[route], "tenant", this.tenant, "method", METHODS[method], "status",
							STATUS_CLASSES[statusClass])
					.serviceLevelObjectives(REQUEST_BUCKETS)
					.register(RequestMetrics.this.registry);
				this.requests.set(index, timer);
			}
			return timer;
		}

		Timer upstream(int route, int statusClass) {
			int index = route * STATUS_CLASSES.length + statusClass;
			Timer timer = this.upstream.get(index);
			if (timer == null) {
				timer = Timer.builder("infosysta.gateway.upstream")
					.description("Upstream time to response headers (status error: no response)")
					.tags("route", ROUTES[route], "tenant", this.tenant, "status", STATUS_CLASSES[statusClass])
					.serviceLevelObjectives(UPSTREAM_BUCKETS)
					.register(RequestMetrics.this.registry);
				this.upstream.set(index, timer);
			}
			return timer;
		}

		Timer overhead(int route) {
			Timer timer = this.overhead.get(route);
			if (timer == null) {
				timer = Timer.builder("infosysta.gateway.overhead")
					.description("The gateway's own time to response headers: total minus the upstream's")
					.tags("route", ROUTES[route], "tenant", this.tenant)
					.serviceLevelObjectives(OVERHEAD_BUCKETS)
					.register(RequestMetrics.this.registry);
				this.overhead.set(route, timer);
			}
			return timer;
		}

		Counter problem(int route, ProblemType problem) {
			int index = route * PROBLEMS.length + problem.ordinal();
			Counter counter = this.problems.get(index);
			if (counter == null) {
				counter = Counter.builder("infosysta.gateway.problems")
					.description("Answers the gateway gave itself (RFC 9457 problems), by reason")
					.tags("route", ROUTES[route], "tenant", this.tenant, "reason", problem.reason(), "status",
							Integer.toString(problem.status().value()))
					.register(RequestMetrics.this.registry);
				this.problems.set(index, counter);
			}
			return counter;
		}

	}

}
