package com.infosysta.gateway.observe;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import com.infosysta.gateway.problem.ProblemType;

import static org.assertj.core.api.Assertions.assertThat;

final class RequestMetricsTest {

	private static final long MS = 1_000_000L;

	private static final int JIRA = RequestMetrics.route("/jira/acme/rest/api/2/myself");

	private static final int GET = RequestMetrics.method("GET");

	private static final double[] REQUEST_BUCKETS = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30 };

	private static final double[] OVERHEAD_BUCKETS = { 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25 };

	private static final Set<String> GATEWAY_METERS = Set.of("infosysta.gateway.requests",
			"infosysta.gateway.upstream", "infosysta.gateway.overhead", "infosysta.gateway.problems");

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final RequestMetrics metrics = new RequestMetrics(this.registry);

	@Test
	void recordsAnsweredCallInRequestUpstreamAndOverheadMeters() {
		this.metrics.record("acme", JIRA, GET, 200, 30 * MS, 20 * MS, true, 4 * MS, null);

		Timer requests = this.registry.get("infosysta.gateway.requests").timer();
		assertThat(tags(requests)).containsExactlyInAnyOrderEntriesOf(
				Map.of("route", "jira", "tenant", "acme", "method", "GET", "status", "2xx"));
		assertThat(requests.count()).isEqualTo(1);
		assertThat(requests.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(30);

		Timer upstream = this.registry.get("infosysta.gateway.upstream").timer();
		assertThat(tags(upstream)).containsExactlyInAnyOrderEntriesOf(
				Map.of("route", "jira", "tenant", "acme", "status", "2xx"));
		assertThat(upstream.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(20);

		Timer overhead = this.registry.get("infosysta.gateway.overhead").timer();
		assertThat(tags(overhead)).containsExactlyInAnyOrderEntriesOf(Map.of("route", "jira", "tenant", "acme"));
		assertThat(overhead.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(4);

		assertThat(this.registry.find("infosysta.gateway.problems").counters()).isEmpty();
		assertThat(gatewayMeters()).hasSize(3);
	}

	@Test
	void requestAndUpstreamHistogramsHaveTheDocumentedSloBuckets() {
		this.metrics.record("acme", JIRA, GET, 200, 30 * MS, 20 * MS, true, 4 * MS, null);

		Timer requests = this.registry.get("infosysta.gateway.requests").timer();
		Timer upstream = this.registry.get("infosysta.gateway.upstream").timer();

		assertThat(boundaries(requests)).containsExactly(REQUEST_BUCKETS);
		assertThat(boundaries(upstream)).containsExactly(REQUEST_BUCKETS);
		// 30 ms lies above 25 ms and within 50 ms.
		assertThat(cumulativeCount(requests, 0.025)).isZero();
		assertThat(cumulativeCount(requests, 0.05)).isEqualTo(1);
		assertThat(cumulativeCount(upstream, 0.01)).isZero();
		assertThat(cumulativeCount(upstream, 0.025)).isEqualTo(1);
	}

	@Test
	void overheadHistogramHasTheDocumentedFineBuckets() {
		this.metrics.record("acme", JIRA, GET, 200, 30 * MS, 29 * MS, true, 1_500_000L, null);

		Timer overhead = this.registry.get("infosysta.gateway.overhead").timer();

		assertThat(boundaries(overhead)).containsExactly(OVERHEAD_BUCKETS);
		assertThat(cumulativeCount(overhead, 0.001)).isZero();
		assertThat(cumulativeCount(overhead, 0.002)).isEqualTo(1);
	}

	@Test
	void upstreamWithoutAnswerIsStatusErrorAndHasNoOverhead() {
		this.metrics.record("acme", JIRA, GET, 504, 10_000 * MS, 10_000 * MS, false, -1, ProblemType.UPSTREAM_TIMEOUT);

		assertThat(tags(this.registry.get("infosysta.gateway.upstream").timer())).containsEntry("status", "error");
		assertThat(tags(this.registry.get("infosysta.gateway.requests").timer())).containsEntry("status", "5xx");
		assertThat(this.registry.find("infosysta.gateway.overhead").timers()).isEmpty();
	}

	@Test
	void callWithoutUpstreamRecordsOnlyTheRequestAndItsProblem() {
		this.metrics.record("none", RequestMetrics.route("/nowhere"), GET, 404, MS, -1, false, -1,
				ProblemType.UNKNOWN_ROUTE);

		assertThat(gatewayMeters()).extracting(meter -> meter.getId().getName())
			.containsExactlyInAnyOrder("infosysta.gateway.requests", "infosysta.gateway.problems");
		assertThat(tags(this.registry.get("infosysta.gateway.requests").timer()))
			.containsEntry("route", "other").containsEntry("tenant", "none");
	}

	@Test
	void problemCounterIsTaggedWithReasonAndStatusCode() {
		int apps = RequestMetrics.route("/apps/outlook-to-jira/jira/rest/api/3/issue");
		this.metrics.record("acme", apps, RequestMetrics.method("POST"), 429, MS, -1, false, -1,
				ProblemType.RATE_LIMITED);
		this.metrics.record("acme", apps, RequestMetrics.method("POST"), 429, MS, -1, false, -1,
				ProblemType.RATE_LIMITED);
		this.metrics.record("acme", apps, RequestMetrics.method("POST"), 401, MS, -1, false, -1,
				ProblemType.CREDENTIAL_INVALID);

		Counter limited = this.registry.get("infosysta.gateway.problems").tag("reason", "rate-limited").counter();
		assertThat(tags(limited)).containsExactlyInAnyOrderEntriesOf(
				Map.of("route", "apps", "tenant", "acme", "reason", "rate-limited", "status", "429"));
		assertThat(limited.count()).isEqualTo(2);
		Counter invalid = this.registry.get("infosysta.gateway.problems").tag("reason", "credential-invalid")
			.counter();
		assertThat(tags(invalid)).containsEntry("status", "401");
		assertThat(invalid.count()).isEqualTo(1);
	}

	@ParameterizedTest
	@ValueSource(strings = { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS" })
	void knownMethodIsItsOwnTag(String method) {
		this.metrics.record("acme", JIRA, RequestMetrics.method(method), 200, MS, -1, false, -1, null);

		assertThat(tags(this.registry.get("infosysta.gateway.requests").timer())).containsEntry("method", method);
	}

	@ParameterizedTest
	@ValueSource(strings = { "PROPFIND", "TRACE", "CONNECT", "get", "X-INJECTED" })
	void methodOutsideTheSetIsOther(String method) {
		this.metrics.record("acme", JIRA, RequestMetrics.method(method), 405, MS, -1, false, -1, null);

		assertThat(RequestMetrics.methodName(RequestMetrics.method(method))).isEqualTo("other");
		assertThat(tags(this.registry.get("infosysta.gateway.requests").timer())).containsEntry("method", "other");
	}

	@ParameterizedTest
	@CsvSource({ "101, 1xx", "200, 2xx", "204, 2xx", "304, 3xx", "404, 4xx", "499, 4xx", "503, 5xx", "599, 5xx",
			"0, 5xx", "99, 5xx", "600, 5xx", "999, 5xx", "-1, 5xx" })
	void statusIsTaggedByClassAndOutOfRangeCountsAsServerError(int status, String statusClass) {
		this.metrics.record("acme", JIRA, GET, status, MS, MS, true, 0, null);

		assertThat(tags(this.registry.get("infosysta.gateway.requests").timer())).containsEntry("status", statusClass);
		assertThat(tags(this.registry.get("infosysta.gateway.upstream").timer())).containsEntry("status", statusClass);
	}

	@Test
	void routeComesFromThePathPrefixOnly() {
		assertThat(RequestMetrics.routeName(RequestMetrics.route("/jira/acme/rest/api/2/issue/A-1"))).isEqualTo("jira");
		assertThat(RequestMetrics.routeName(RequestMetrics.route("/apps/outlook-to-jira/jira/x"))).isEqualTo("apps");
		assertThat(RequestMetrics.routeName(RequestMetrics.route("/actuator/prometheus"))).isEqualTo("other");
		assertThat(RequestMetrics.routeName(RequestMetrics.route("/jiraX/acme"))).isEqualTo("other");
		assertThat(RequestMetrics.routeName(RequestMetrics.route("/"))).isEqualTo("other");
	}

	@Test
	void tenThousandCallsOfOneTenantWithDifferentPathsAndUsersCreateOnlyTheFixedSetOfMeters() {
		String[] methods = { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS" };
		int[] statuses = { 200, 201, 301, 404, 429, 502, 101 };
		ProblemType[] problems = ProblemType.values();
		recordVariedCalls(10_000, 0, methods, statuses, problems);
		Set<Meter.Id> afterFirst = ids();

		recordVariedCalls(10_000, 10_000, methods, statuses, problems);

		assertThat(ids()).isEqualTo(afterFirst);
		// The fixed set for one tenant: requests route x method x class, upstream route x (class or error),
		// overhead per route, problems route x reason.
		int fixed = 3 * 8 * 5 + 3 * 6 + 3 + 3 * problems.length;
		assertThat(gatewayMeters()).hasSizeLessThanOrEqualTo(fixed);
		Set<String> tagValues = gatewayMeters().stream()
			.flatMap(meter -> meter.getId().getTags().stream())
			.filter(tag -> !tag.getKey().equals("reason"))
			.map(Tag::getValue)
			.collect(Collectors.toSet());
		Set<String> closed = new HashSet<>(List.of("acme", "jira", "apps", "other", "1xx", "2xx", "3xx", "4xx", "5xx",
				"error"));
		closed.addAll(Arrays.asList(RequestMetrics.METHODS));
		Arrays.stream(problems).forEach(problem -> closed.add(Integer.toString(problem.status().value())));
		assertThat(tagValues).isSubsetOf(closed);
		assertThat(this.registry.get("infosysta.gateway.requests").timers().stream().mapToLong(Timer::count).sum())
			.isEqualTo(20_000);
	}

	private void recordVariedCalls(int count, int offset, String[] methods, int[] statuses, ProblemType[] problems) {
		for (int i = offset; i < offset + count; i++) {
			// A path and a user name the call would carry; neither may become a tag.
			String user = "user-" + i + "@example.com";
			String path = switch (i % 3) {
				case 0 -> "/jira/acme/rest/api/2/user?username=" + user;
				case 1 -> "/apps/outlook-to-jira/jira/rest/api/3/issue/KEY-" + i;
				default -> "/unknown/" + user;
			};
			String method = (i % 8 == 7) ? "METHOD" + i : methods[i % methods.length];
			boolean upstream = i % 5 != 0;
			boolean answered = i % 4 != 0;
			ProblemType problem = (i % 2 == 0) ? problems[i % problems.length] : null;
			this.metrics.record("acme", RequestMetrics.route(path), RequestMetrics.method(method),
					statuses[i % statuses.length], i * 1000L, upstream ? i * 500L : -1, answered,
					(upstream && answered) ? 100L : -1, problem);
		}
	}

	private Set<Meter.Id> ids() {
		return this.registry.getMeters().stream().map(Meter::getId).collect(Collectors.toSet());
	}

	/**
	 * The registry's meters without the gauges {@link SimpleMeterRegistry} adds itself for every histogram bucket
	 * ({@code <name>.histogram{le}}); a Prometheus registry exports those buckets as the timer's own series.
	 */
	private List<Meter> gatewayMeters() {
		List<Meter> all = this.registry.getMeters();
		List<Meter> own = all.stream().filter(meter -> GATEWAY_METERS.contains(meter.getId().getName())).toList();
		assertThat(all).filteredOn(meter -> !own.contains(meter))
			.allSatisfy(meter -> assertThat(meter.getId().getName()).endsWith(".histogram"));
		return own;
	}

	private static Map<String, String> tags(Meter meter) {
		return meter.getId().getTags().stream().collect(Collectors.toMap(Tag::getKey, Tag::getValue));
	}

	private static double[] boundaries(Timer timer) {
		return Arrays.stream(timer.takeSnapshot().histogramCounts())
			.mapToDouble(bucket -> bucket.bucket(TimeUnit.SECONDS))
			.toArray();
	}

	private static double cumulativeCount(Timer timer, double seconds) {
		for (CountAtBucket bucket : timer.takeSnapshot().histogramCounts()) {
			if (bucket.bucket(TimeUnit.SECONDS) == seconds) {
				return bucket.count();
			}
		}
		throw new AssertionError("no bucket at " + seconds + " s");
	}

}
