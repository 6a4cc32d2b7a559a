package com.infosysta.gateway.it;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The Prometheus files under {@code deploy/}, checked with Prometheus' own {@code promtool} (Debian's
 * {@code prometheus} package, which {@code .ci/run} installs): the rules load, both scrape configurations load,
 * the rules' unit tests pass and test every alert firing and not firing, every alert tells on-call what it means
 * and what to check, and every dashboard query is PromQL Prometheus accepts.
 */
final class PrometheusRulesTest {

	private static final DeployFolder DEPLOY = DeployFolder.find();

	private static final String JOB = "infosysta-gateway";

	@Test
	void rulesAreValid() {
		promtool(Stream.concat(Stream.of("check", "rules"), DEPLOY.yamlFiles(DeployFolder.RULES).stream()).toList());
	}

	@Test
	void localScrapeConfigurationIsValidAndScrapesTheManagementPort() {
		String config = "deploy/prometheus/prometheus.yml";
		promtool(List.of("check", "config", config));

		Map<String, Object> job = gatewayJob(DEPLOY.yaml(config));
		List<Map<String, Object>> statics = DeployFolder.maps(job.get("static_configs"));
		assertThat(statics).extracting(target -> target.get("targets")).containsExactly(List.of("127.0.0.1:8081"));
	}

	/**
	 * Debian builds promtool without Kubernetes discovery; then the rest of the file is checked with the discovery
	 * block replaced by a static target, so a mistake anywhere else still fails.
	 */
	@Test
	void kubernetesScrapeConfigurationIsValidAndKeepsOnlyTheManagementPort() throws IOException {
		String config = "deploy/prometheus/prometheus-kubernetes.yml";
		Map<String, Object> parsed = DEPLOY.yaml(config);
		Map<String, Object> job = gatewayJob(parsed);
		List<Map<String, Object>> discovery = DeployFolder.maps(job.get("kubernetes_sd_configs"));
		assertThat(discovery).extracting(sd -> sd.get("role")).containsExactly("pod");
		assertThat(DeployFolder.maps(job.get("relabel_configs"))).anySatisfy(relabel -> {
			assertThat(relabel.get("source_labels")).isEqualTo(List.of("__meta_kubernetes_pod_container_port_number"));
			assertThat(relabel).containsEntry("regex", "8081").containsEntry("action", "keep");
		});

		Result full = run(List.of("check", "config", config));
		if (full.exitCode() == 0) {
			return;
		}
		assertThat(full.output()).as("promtool check config %s:%n%s", config, full.output())
			.contains("field kubernetes_sd_configs not found");
		job.remove("kubernetes_sd_configs");
		job.put("static_configs", List.of(Map.of("targets", List.of("127.0.0.1:8081"))));
		parsed.put("rule_files", List.of(DEPLOY.root().resolve(DeployFolder.RULES).resolve("*.yml").toString()));
		DumperOptions options = new DumperOptions();
		options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
		Path copy = Files.createTempFile("prometheus-kubernetes", ".yml");
		try {
			Files.writeString(copy, new Yaml(options).dump(parsed), StandardCharsets.UTF_8);
			promtool(List.of("check", "config", copy.toString()));
		}
		finally {
			Files.deleteIfExists(copy);
		}
	}

	@Test
	void rulesPassTheirUnitTests() {
		promtool(Stream.concat(Stream.of("test", "rules"), DEPLOY.yamlFiles(DeployFolder.RULE_TESTS).stream())
			.toList());
	}

	@Test
	void everyAlertIsUnitTestedBothFiringAndNotFiring() {
		Set<String> alerts = new TreeSet<>();
		DEPLOY.rules().stream().filter(rule -> rule.containsKey("alert")).forEach(rule -> alerts.add(
				(String) rule.get("alert")));
		Set<String> firing = new TreeSet<>();
		Set<String> silent = new TreeSet<>();
		for (String file : DEPLOY.yamlFiles(DeployFolder.RULE_TESTS)) {
			for (Map<String, Object> test : DeployFolder.maps(DEPLOY.yaml(file).get("tests"))) {
				for (Map<String, Object> check : DeployFolder.maps(test.get("alert_rule_test"))) {
					String alert = (String) check.get("alertname");
					(DeployFolder.maps(check.get("exp_alerts")).isEmpty() ? silent : firing).add(alert);
				}
			}
		}
		assertThat(alerts).as("alerts in %s", DeployFolder.RULES).hasSizeGreaterThanOrEqualTo(10);
		assertThat(firing).as("alerts tested firing").containsAll(alerts);
		assertThat(silent).as("alerts tested not firing").containsAll(alerts);
	}

	@Test
	void everyAlertHasASeveritySummaryDescriptionAndRunbookHint() {
		for (Map<String, Object> rule : DEPLOY.rules()) {
			if (!rule.containsKey("alert")) {
				continue;
			}
			String name = (String) rule.get("alert");
			assertThat(DeployFolder.map(rule.get("labels")).get("severity")).as("%s severity", name)
				.isIn("critical", "warning");
			Map<String, Object> annotations = DeployFolder.map(rule.get("annotations"));
			for (String annotation : List.of("summary", "description", "runbook")) {
				assertThat((String) annotations.get(annotation)).as("%s %s", name, annotation).isNotBlank();
			}
			if (((String) rule.get("expr")).contains("tenant")) {
				assertThat((String) annotations.get("summary")).as("%s names the tenant", name)
					.contains("{{ $labels.tenant }}");
			}
		}
	}

	/** Grafana variables become values Prometheus accepts; each query is then checked as a recording rule. */
	@Test
	void everyDashboardQueryIsValidPromQlOnTheChosenDatasource() throws IOException {
		Map<String, Object> dashboard = Json.object(Files.readString(DEPLOY.root().resolve(DeployFolder.DASHBOARD)));
		List<Map<String, Object>> variables = DeployFolder.maps(DeployFolder.map(dashboard.get("templating"))
			.get("list"));
		assertThat(variables).anySatisfy(variable -> assertThat(variable).containsEntry("type", "datasource")
			.containsEntry("name", "datasource")
			.containsEntry("query", "prometheus"));
		assertThat(variables).anySatisfy(variable -> assertThat(variable).containsEntry("type", "query")
			.containsEntry("name", "tenant"));
		for (Map<String, Object> panel : DeployFolder.panels(dashboard)) {
			if (!"row".equals(panel.get("type"))) {
				assertThat(DeployFolder.map(panel.get("datasource"))).as("panel %s", panel.get("title"))
					.containsEntry("uid", "${datasource}");
			}
		}

		List<Map<String, Object>> rules = new ArrayList<>();
		for (DeployFolder.Expression expression : DEPLOY.dashboardExpressions()) {
			String promQl = expression.promQl()
				.replace("$__rate_interval", "5m")
				.replace("$__range", "1h")
				.replace("$__interval", "1m")
				.replaceAll("\\$\\{?\\w+}?", ".*");
			Map<String, Object> rule = new LinkedHashMap<>();
			rule.put("record", "dashboard:query:" + rules.size());
			rule.put("expr", promQl);
			rules.add(rule);
		}
		assertThat(rules).as("dashboard queries").hasSizeGreaterThanOrEqualTo(20);
		Path file = Files.createTempFile("dashboard-queries", ".yml");
		try {
			Files.writeString(file, new Yaml().dump(Map.of("groups", List.of(Map.of("name", "dashboard", "rules",
					rules)))), StandardCharsets.UTF_8);
			promtool(List.of("check", "rules", file.toString()));
		}
		finally {
			Files.deleteIfExists(file);
		}
	}

	private static Map<String, Object> gatewayJob(Map<String, Object> config) {
		List<Map<String, Object>> jobs = DeployFolder.maps(config.get("scrape_configs"));
		assertThat(jobs).extracting(job -> job.get("job_name")).containsExactly(JOB);
		Map<String, Object> job = jobs.get(0);
		assertThat(job).containsEntry("metrics_path", "/actuator/prometheus");
		return job;
	}

	private static void promtool(List<String> arguments) {
		Result result = run(arguments);
		if (result.exitCode() != 0) {
			fail("promtool %s exited with %d:%n%s", String.join(" ", arguments), result.exitCode(), result.output());
		}
	}

	private static Result run(List<String> arguments) {
		List<String> command = new ArrayList<>();
		command.add(promtoolBinary());
		command.addAll(arguments);
		try {
			Path output = Files.createTempFile("promtool", ".log");
			try {
				Process process = new ProcessBuilder(command).directory(DEPLOY.root().toFile())
					.redirectErrorStream(true)
					.redirectOutput(output.toFile())
					.start();
				if (!process.waitFor(120, TimeUnit.SECONDS)) {
					process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
					fail("promtool %s still running after 120 s:%n%s", String.join(" ", arguments),
							Files.readString(output));
				}
				return new Result(process.exitValue(), Files.readString(output));
			}
			finally {
				Files.deleteIfExists(output);
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("promtool could not be run: " + ex, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted while promtool ran", ex);
		}
	}

	private static String promtoolBinary() {
		String path = System.getenv().getOrDefault("PATH", "");
		List<String> dirs = new ArrayList<>(List.of(path.split(File.pathSeparator)));
		dirs.addAll(List.of("/usr/bin", "/usr/sbin", "/usr/local/bin"));
		for (String dir : dirs) {
			Path candidate = Path.of(dir.isEmpty() ? "." : dir, "promtool");
			if (Files.isExecutable(candidate)) {
				return candidate.toString();
			}
		}
		throw new AssertionError("promtool is missing: install Debian's prometheus package (.ci/run does)");
	}

	private record Result(int exitCode, String output) {
	}

}
