package com.infosysta.gateway.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.yaml.snakeyaml.Yaml;

/**
 * The operations files under {@code deploy/} as the tests read them: the Prometheus rule files, their promtool
 * unit tests and the Grafana dashboard, with every PromQL expression they hold and where it sits.
 */
final class DeployFolder {

	static final String RULES = "deploy/prometheus/rules";

	static final String RULE_TESTS = "deploy/prometheus/tests";

	static final String DASHBOARD = "deploy/grafana/infosysta-gateway.json";

	/** {@code label_values(<series selector>, <label>)}: only the selector is PromQL. */
	private static final Pattern LABEL_VALUES = Pattern.compile("\\s*label_values\\((.*),\\s*[a-zA-Z_]\\w*\\s*\\)\\s*",
			Pattern.DOTALL);

	/** A PromQL expression and where it was found, for messages. */
	record Expression(String where, String promQl) {
	}

	private final Path root;

	private DeployFolder(Path root) {
		this.root = root;
	}

	/**
	 * The repository root: {@code repo.root} under failsafe; otherwise (surefire runs in the module's folder) the
	 * nearest folder up from the working directory that holds {@code .ci/run}.
	 */
	static DeployFolder find() {
		String configured = System.getProperty("repo.root");
		if (configured != null) {
			return new DeployFolder(Path.of(configured).toAbsolutePath());
		}
		for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
			if (Files.isRegularFile(dir.resolve(".ci/run"))) {
				return new DeployFolder(dir);
			}
		}
		throw new IllegalStateException("no folder holding .ci/run above " + Path.of("").toAbsolutePath());
	}

	Path root() {
		return this.root;
	}

	/** The YAML files of a folder, relative to the root and sorted, as promtool takes them. */
	List<String> yamlFiles(String folder) {
		try (Stream<Path> files = Files.list(this.root.resolve(folder))) {
			List<String> found = files.filter(file -> file.getFileName().toString().matches(".*\\.ya?ml"))
				.map(file -> this.root.relativize(file).toString())
				.sorted()
				.toList();
			if (found.isEmpty()) {
				throw new IllegalStateException("no YAML files in " + folder);
			}
			return found;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	Map<String, Object> yaml(String file) {
		try {
			return new Yaml().load(Files.readString(this.root.resolve(file)));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Every rule of every rule file (alerts and recording rules), as SnakeYAML maps. */
	List<Map<String, Object>> rules() {
		List<Map<String, Object>> rules = new ArrayList<>();
		for (String file : yamlFiles(RULES)) {
			for (Map<String, Object> group : maps(yaml(file).get("groups"))) {
				rules.addAll(maps(group.get("rules")));
			}
		}
		return rules;
	}

	/** The names the rule files record: series Prometheus makes, not the gateway. */
	List<String> recordedNames() {
		return rules().stream().filter(rule -> rule.containsKey("record")).map(rule -> (String) rule.get("record"))
			.toList();
	}

	List<Expression> ruleExpressions() {
		return rules().stream().map(rule -> new Expression(RULES + ": " + (rule.containsKey("alert")
				? "alert " + rule.get("alert") : "record " + rule.get("record")), (String) rule.get("expr")))
			.toList();
	}

	/** The queries of every dashboard panel and of its query variables. */
	List<Expression> dashboardExpressions() {
		Map<String, Object> dashboard;
		try {
			dashboard = Json.object(Files.readString(this.root.resolve(DASHBOARD)));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		List<Expression> expressions = new ArrayList<>();
		for (Map<String, Object> panel : panels(dashboard)) {
			for (Map<String, Object> target : maps(panel.get("targets"))) {
				expressions.add(new Expression(DASHBOARD + ": panel \"" + panel.get("title") + "\" "
						+ target.get("refId"), (String) target.get("expr")));
			}
		}
		for (Map<String, Object> variable : maps(map(dashboard.get("templating")).get("list"))) {
			if ("query".equals(variable.get("type"))) {
				Object query = variable.get("query");
				String text = (query instanceof Map<?, ?> object) ? (String) object.get("query") : (String) query;
				Matcher labelValues = LABEL_VALUES.matcher(text);
				expressions.add(new Expression(DASHBOARD + ": variable " + variable.get("name"),
						labelValues.matches() ? labelValues.group(1) : text));
			}
		}
		return expressions;
	}

	/** Top-level panels and the panels inside collapsed rows. */
	static List<Map<String, Object>> panels(Map<String, Object> dashboard) {
		List<Map<String, Object>> panels = new ArrayList<>();
		for (Map<String, Object> panel : maps(dashboard.get("panels"))) {
			panels.add(panel);
			panels.addAll(maps(panel.get("panels")));
		}
		return panels;
	}

	@SuppressWarnings("unchecked")
	static Map<String, Object> map(Object value) {
		return (value instanceof Map<?, ?>) ? (Map<String, Object>) value : Map.of();
	}

	@SuppressWarnings("unchecked")
	static List<Map<String, Object>> maps(Object value) {
		return (value instanceof List<?>) ? (List<Map<String, Object>>) value : List.of();
	}

}
