package com.infosysta.gateway.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import com.infosysta.gateway.app.GatewayApplication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * Every metric the alert rules and the Grafana dashboard read is one the gateway exports: allowed, refused (401),
 * failing-upstream (502) and rate-limited (429) calls go through the real gateway (with its Redis rate-limit
 * store), then the management port's {@code /actuator/prometheus} is scraped and each name the rules and the
 * dashboard use is looked up in it, with the labels and fixed values they match on. Names Prometheus makes
 * itself ({@code up}, recorded series) are left out.
 */
final class MetricNamesIT {

	/** Histograms and summaries export suffixed series; a counter's {@code # TYPE} name may lack {@code _total}. */
	private static final Map<String, List<String>> SERIES_BY_TYPE = Map.of("counter", List.of("", "_total"),
			"gauge", List.of(""), "untyped", List.of(""), "histogram", List.of("_bucket", "_count", "_sum"),
			"summary", List.of("", "_count", "_sum"), "info", List.of("", "_info"), "stateset", List.of(""));

	private static final Pattern TYPE = Pattern.compile("^# TYPE (\\S+) (\\S+)", Pattern.MULTILINE);

	private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", Pattern.MULTILINE);

	private static final Pattern SAMPLE_LINE = Pattern
		.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? \\S+", Pattern.MULTILINE);

	private static final Pattern LABEL = Pattern.compile("([a-zA-Z_]\\w*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

	private static final Pattern SUFFIX = Pattern.compile("_(?:bucket|count|sum|total|max|info)$");

	static StandInUpstream upstream;

	static RedisProcess redis;

	static ConfigurableApplicationContext gateway;

	@BeforeAll
	static void start() throws IOException {
		upstream = StandInUpstream.start();
		redis = RedisProcess.start();
		Path registry = Files.createTempFile("metric-names", ".yml");
		Files.writeString(registry, """
				plans:
				  tiny: { tenant: { rate: 100, burst: 100, in-flight: 10 }, subject: { rate: 0.1, burst: 3 } }
				tenants:
				  - { id: acme, deployment: server, base-url: "%s", plan: tiny }
				  - { id: gone, deployment: server, base-url: "http://127.0.0.1:%d" }
				""".formatted(upstream.baseUrl(), ResilienceIT.closedPort()));
		gateway = new SpringApplicationBuilder(GatewayApplication.class, OwnReactorResources.class).run("--server.port=0",
				"--management.server.port=0", "--infosysta.gateway.registry-file=" + registry,
				"--infosysta.gateway.upstream.allow-http=true",
				"--infosysta.gateway.upstream.allow-private-addresses=true",
				"--" + TestSecrets.SUBJECT_KEY_PROPERTY + "=" + TestSecrets.SUBJECT_KEY_SECRET,
				"--infosysta.gateway.rate-limit.failed-auth.burst=100000",
				"--infosysta.gateway.rate-limit.store=redis", "--infosysta.gateway.rate-limit.replicas=1",
				"--spring.data.redis.host=127.0.0.1", "--spring.data.redis.port=" + redis.port);
	}

	@AfterAll
	static void stop() throws InterruptedException {
		if (gateway != null) {
			gateway.close();
		}
		if (redis != null) {
			redis.close();
		}
		if (upstream != null) {
			upstream.close();
		}
	}

	@Test
	void everyMetricTheRulesAndTheDashboardReadIsExported() {
		driveEveryKindOfCall();
		// JVM GC meters appear with the first collection; make sure there was one.
		System.gc();
		TestClient management = new TestClient(Integer.parseInt(gateway.getEnvironment()
			.getRequiredProperty("local.management.port")));
		String scrape = await().atMost(Duration.ofSeconds(10))
			.until(() -> management.get("/actuator/prometheus").body(), body -> body.contains("jvm_gc_pause"));

		Map<String, String> types = new TreeMap<>();
		Set<String> exported = exportedSeries(scrape, types);
		DeployFolder deploy = DeployFolder.find();
		Set<String> madeByPrometheus = new TreeSet<>(deploy.recordedNames());
		madeByPrometheus.add("up");
		Map<String, Set<String>> used = new TreeMap<>();
		for (DeployFolder.Expression expression : concat(deploy.ruleExpressions(), deploy.dashboardExpressions())) {
			for (String name : PromQlNames.of(expression.promQl())) {
				if (!madeByPrometheus.contains(name)) {
					used.computeIfAbsent(name, key -> new TreeSet<>()).add(expression.where());
				}
			}
		}
		assertThat(used).as("names found in the rules and the dashboard")
			.containsKeys("infosysta_gateway_requests_seconds_count", "resilience4j_circuitbreaker_state",
					"jvm_memory_used_bytes")
			.hasSizeGreaterThanOrEqualTo(25);

		Map<String, Set<String>> missing = new TreeMap<>(used);
		missing.keySet().removeAll(exported);
		Set<String> labelProblems = labelProblems(deploy, samples(scrape), madeByPrometheus);
		StringBuilder report = new StringBuilder();
		if (!missing.isEmpty()) {
			report.append(missing.size()).append(" of ").append(used.size())
				.append(" metric names the rules and the dashboard read are not exported by the gateway:\n")
				.append(missing.entrySet()
					.stream()
					.map(entry -> "  " + entry.getKey() + hint(entry.getKey(), types) + "\n      used in "
							+ String.join("\n      used in ", entry.getValue()))
					.collect(Collectors.joining("\n", "", "\n")));
		}
		if (!labelProblems.isEmpty()) {
			report.append(labelProblems.size()).append(" label matchers match nothing the gateway exported:\n")
				.append(String.join("\n", labelProblems));
		}
		if (!report.isEmpty()) {
			fail(report.toString());
		}
	}

	/**
	 * Label matchers that could never match: a label the exported series do not carry, or a fixed value none of
	 * them has (after this test's traffic). {@code job} and {@code instance} come from Prometheus, and Grafana
	 * variables or negative matchers say nothing, so they are not checked.
	 */
	private static Set<String> labelProblems(DeployFolder deploy, Map<String, List<Map<String, String>>> samples,
			Set<String> madeByPrometheus) {
		Set<String> problems = new TreeSet<>();
		for (DeployFolder.Expression expression : concat(deploy.ruleExpressions(), deploy.dashboardExpressions())) {
			for (PromQlNames.Selector selector : PromQlNames.selectors(expression.promQl())) {
				List<Map<String, String>> series = samples.get(selector.metric());
				if (series == null || madeByPrometheus.contains(selector.metric())) {
					continue;
				}
				for (PromQlNames.LabelMatcher matcher : selector.matchers()) {
					String label = matcher.label();
					if (label.equals("job") || label.equals("instance") || matcher.value().contains("$")
							|| matcher.operator().startsWith("!")) {
						continue;
					}
					Pattern value = Pattern.compile(matcher.operator().equals("=~") ? matcher.value()
							: Pattern.quote(matcher.value()));
					if (series.stream().noneMatch(labels -> labels.containsKey(label))) {
						problems.add("  " + selector.metric() + " has no label " + label + "\n      used in "
								+ expression.where());
					}
					else if (series.stream()
						.noneMatch(labels -> value.matcher(labels.getOrDefault(label, "")).matches())) {
						problems.add("  " + selector.metric() + "{" + label + matcher.operator() + "\""
								+ matcher.value() + "\"} matches no exported series\n      used in "
								+ expression.where());
					}
				}
			}
		}
		return problems;
	}

	/** Each sample line's labels, by series name. */
	private static Map<String, List<Map<String, String>>> samples(String scrape) {
		Map<String, List<Map<String, String>>> samples = new TreeMap<>();
		Matcher line = SAMPLE_LINE.matcher(scrape);
		while (line.find()) {
			Map<String, String> labels = new TreeMap<>();
			Matcher label = LABEL.matcher((line.group(2) != null) ? line.group(2) : "");
			while (label.find()) {
				labels.put(label.group(1), label.group(2));
			}
			samples.computeIfAbsent(line.group(1), key -> new ArrayList<>()).add(labels);
		}
		return samples;
	}

	/** Allowed, refused, failing-upstream and rate-limited calls; the statuses show each happened. */
	private static void driveEveryKindOfCall() {
		int port = ((WebServerApplicationContext) gateway).getWebServer().getPort();
		TestClient user = new TestClient(port, headers -> headers.set("Authorization", TestClient.BASIC));
		assertThat(user.get("/jira/acme/rest/api/2/myself").status()).as("allowed").isEqualTo(200);
		assertThat(user.get("/jira/acme/status/503").status()).as("upstream's own 5xx").isEqualTo(503);
		assertThat(new TestClient(port).get("/jira/acme/rest/api/2/myself").status()).as("refused").isEqualTo(401);
		assertThat(user.get("/jira/gone/rest/api/2/myself").status()).as("failing upstream").isEqualTo(502);
		int status = 0;
		for (int call = 0; call < 10 && status != 429; call++) {
			status = user.get("/jira/acme/rest/api/2/myself").status();
		}
		assertThat(status).as("rate limited").isEqualTo(429);
	}

	/**
	 * The series names a scrape holds: every sample's name, and the names each {@code # TYPE} line implies (so a
	 * histogram with no sample yet still counts with its {@code _bucket}, {@code _count} and {@code _sum}).
	 */
	private static Set<String> exportedSeries(String scrape, Map<String, String> types) {
		Set<String> names = new TreeSet<>();
		Matcher sample = SAMPLE.matcher(scrape);
		while (sample.find()) {
			names.add(sample.group(1));
		}
		Matcher type = TYPE.matcher(scrape);
		while (type.find()) {
			String name = type.group(1);
			String base = name.endsWith("_total") ? name.substring(0, name.length() - "_total".length()) : name;
			types.put(base, type.group(2));
			for (String suffix : SERIES_BY_TYPE.getOrDefault(type.group(2), List.of(""))) {
				names.add(base + suffix);
			}
		}
		assertThat(names).as("the scrape's series").contains("jvm_memory_used_bytes");
		return names;
	}

	/** Says when the base name is exported as another type, e.g. a summary read as a histogram. */
	private static String hint(String name, Map<String, String> types) {
		String base = SUFFIX.matcher(name).replaceFirst("");
		String type = types.get(base);
		return (type != null) ? " (" + base + " is exported as a " + type + ")" : "";
	}

	private static List<DeployFolder.Expression> concat(List<DeployFolder.Expression> first,
			List<DeployFolder.Expression> second) {
		return Stream.concat(first.stream(), second.stream()).toList();
	}

}
