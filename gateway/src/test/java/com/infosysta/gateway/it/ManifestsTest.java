package com.infosysta.gateway.it;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import org.springframework.boot.convert.DurationStyle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.InstanceOfAssertFactories.LIST;

/**
 * The deployment artefacts (deploy/k8s, deploy/Dockerfile, deploy/compose.yaml, config/jvm.options) parse and
 * agree with the application: every manifest loads into fabric8's Kubernetes model without a field the model
 * does not know (a typo such as {@code readinesProbe} would otherwise be silently dropped by Kubernetes too),
 * probes hit the management port and paths the configuration defines, the drain fits in the grace period, and
 * the containers run non-root on a read-only root filesystem. Also runs {@code yamllint} over deploy/.
 */
final class ManifestsTest {

	static final Path ROOT = repositoryRoot();

	static final Path K8S = ROOT.resolve("deploy/k8s");

	static final String GATEWAY = "infosysta-gateway";

	/** The kinds the manifests may hold; a ServiceMonitor has no model in fabric8 and stays generic. */
	static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of("v1/Namespace", Namespace.class,
			"v1/ConfigMap", ConfigMap.class, "v1/Secret", Secret.class, "v1/Service", Service.class,
			"apps/v1/Deployment", Deployment.class, "autoscaling/v2/HorizontalPodAutoscaler",
			HorizontalPodAutoscaler.class, "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
			"networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class, "monitoring.coreos.com/v1/ServiceMonitor",
			GenericKubernetesResource.class);

	static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
		.disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

	static final List<HasMetadata> resources = new ArrayList<>();

	/** The application's effective settings: the jar's application.yml, then config/application.yml, then k8s. */
	static Map<String, Object> settings;

	@BeforeAll
	static void load() throws IOException {
		for (String file : kustomization().resources()) {
			for (JsonNode document : documents(K8S.resolve(file))) {
				String type = document.path("apiVersion").asText() + "/" + document.path("kind").asText();
				Class<? extends HasMetadata> kind = KINDS.get(type);
				assertThat(kind).as("%s: a %s (not one of %s)", file, type, KINDS.keySet()).isNotNull();
				HasMetadata resource = YAML.treeToValue(document, kind);
				if (!(resource instanceof GenericKubernetesResource)) {
					List<String> unknown = new ArrayList<>();
					unknownFields(resource, type + " " + resource.getMetadata().getName(), unknown);
					assertThat(unknown).as("%s: fields the Kubernetes model does not know", file).isEmpty();
				}
				resources.add(resource);
			}
		}
		settings = new LinkedHashMap<>();
		flatten("", yaml(ROOT.resolve("gateway/src/main/resources/application.yml")), settings);
		flatten("", yaml(ROOT.resolve("config/application.yml")), settings);
		flatten("", new Yaml().load(configMap().getData().get("application.yml")), settings);
	}

	@Test
	void kustomizationListsEveryManifestAndSetsTheImage() throws IOException {
		Kustomization kustomization = kustomization();
		try (Stream<Path> files = Files.list(K8S)) {
			assertThat(files.map(file -> file.getFileName().toString())
				.filter(name -> name.endsWith(".yaml") && !name.equals("kustomization.yaml")))
				.containsExactlyInAnyOrderElementsOf(kustomization.resources());
		}
		assertThat(container(gateway()).getImage()).isEqualTo(kustomization.image());
	}

	@Test
	void probesAskTheManagementPortForLivenessAndReadiness() {
		Container container = container(gateway());
		int management = Integer.parseInt(setting("management.server.port"));
		assertThat(management).isNotEqualTo(Integer.parseInt(setting("server.port")));
		assertThat(setting("management.endpoint.health.probes.enabled")).isEqualTo("true");
		assertThat(container.getPorts()).extracting(ContainerPort::getContainerPort)
			.contains(Integer.parseInt(setting("server.port")), management);

		assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/readiness");
		assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/liveness");
		for (Probe probe : new Probe[] { container.getReadinessProbe(), container.getLivenessProbe(),
				container.getStartupProbe() }) {
			if (probe != null) {
				assertThat(containerPort(container, probe.getHttpGet().getPort())).isEqualTo(management);
			}
		}
	}

	@Test
	void drainFitsInTheGracePeriod() {
		PodSpec pod = gateway().getSpec().getTemplate().getSpec();
		assertThat(setting("server.shutdown")).isEqualTo("graceful");
		Duration drain = DurationStyle.detectAndParse(setting("spring.lifecycle.timeout-per-shutdown-phase"));
		long preStop = preStopSeconds(container(gateway()));
		assertThat(preStop).as("preStop sleep").isBetween(5L, 30L);
		assertThat(pod.getTerminationGracePeriodSeconds()).as("terminationGracePeriodSeconds")
			.isGreaterThan(preStop + drain.toSeconds());
	}

	@Test
	void everyContainerRunsNonRootOnAReadOnlyRootWithoutCapabilities() {
		List<Deployment> deployments = all(Deployment.class);
		assertThat(deployments).hasSizeGreaterThanOrEqualTo(2);
		for (Deployment deployment : deployments) {
			PodSpec pod = deployment.getSpec().getTemplate().getSpec();
			PodSecurityContext podSecurity = pod.getSecurityContext();
			assertThat(podSecurity.getRunAsNonRoot()).isTrue();
			assertThat(podSecurity.getRunAsUser()).isNotNull().isNotZero();
			assertThat(podSecurity.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
			assertThat(pod.getAutomountServiceAccountToken()).isFalse();
			for (Container container : pod.getContainers()) {
				SecurityContext security = container.getSecurityContext();
				String name = deployment.getMetadata().getName() + "/" + container.getName();
				assertThat(security.getRunAsNonRoot()).as(name).isTrue();
				assertThat(security.getReadOnlyRootFilesystem()).as(name).isTrue();
				assertThat(security.getAllowPrivilegeEscalation()).as(name).isFalse();
				assertThat(security.getCapabilities().getDrop()).as(name).containsExactly("ALL");
				assertThat(security.getCapabilities().getAdd()).as(name).isNullOrEmpty();
				assertThat(container.getResources().getRequests()).as(name).containsKeys("cpu", "memory");
				assertThat(container.getResources().getLimits()).as(name).containsKey("memory");
				assertThat(container.getVolumeMounts()).as(name + ": subPath mounts never see updates")
					.allMatch(mount -> mount.getSubPath() == null && mount.getSubPathExpr() == null);
			}
		}
	}

	@Test
	void gatewayHasAnInMemoryTmpAndItsSecretsFromSecrets() {
		PodSpec pod = gateway().getSpec().getTemplate().getSpec();
		Container container = container(gateway());
		assertThat(gateway().getSpec().getReplicas()).isGreaterThanOrEqualTo(2);
		assertThat(container.getResources().getLimits()).containsKeys("cpu", "memory");

		Volume tmp = volume(pod, mount(container, "/tmp").getName());
		assertThat(tmp.getEmptyDir().getMedium()).isEqualTo("Memory");
		assertThat(tmp.getEmptyDir().getSizeLimit()).isNotNull();

		EnvVar subjectKey = container.getEnv().stream()
			.filter(env -> env.getName().equals("INFOSYSTA_SUBJECT_KEY_SECRET"))
			.findFirst()
			.orElseThrow();
		assertThat(subjectKey.getValue()).isNull();
		Secret secrets = named(Secret.class, subjectKey.getValueFrom().getSecretKeyRef().getName());
		assertThat(secrets.getStringData()).containsKey(subjectKey.getValueFrom().getSecretKeyRef().getKey());
		assertThat(setting("infosysta.gateway.subject-key-secret")).isEqualTo("${INFOSYSTA_SUBJECT_KEY_SECRET:}");
		// The example's placeholder is too short for the gateway, so it cannot be deployed by mistake.
		assertThat(secrets.getStringData().get(subjectKey.getValueFrom().getSecretKeyRef().getKey()))
			.contains("REPLACE-ME")
			.hasSizeLessThan(32);

		// The registry: a file inside a Secret mounted as a folder, so that updates arrive and are reloaded.
		Path registry = Path.of(setting("infosysta.gateway.registry-file"));
		VolumeMount registryMount = mount(container, registry.getParent().toString());
		assertThat(registryMount.getSubPath()).isNull();
		Secret registrySecret = named(Secret.class, volume(pod, registryMount.getName()).getSecret().getSecretName());
		assertThat(registrySecret.getStringData()).containsKey(registry.getFileName().toString());

		// The production settings: a ConfigMap mounted where Spring Boot looks (./config/*/ under /app).
		VolumeMount config = container.getVolumeMounts()
			.stream()
			.filter(mount -> volume(pod, mount.getName()).getConfigMap() != null)
			.findFirst()
			.orElseThrow();
		assertThat(config.getMountPath()).matches("/app/config/[a-z0-9-]+");
		assertThat(setting("infosysta.gateway.rate-limit.store")).isEqualTo("redis");
		assertThat(Integer.parseInt(setting("infosysta.gateway.rate-limit.replicas")))
			.isEqualTo(one(HorizontalPodAutoscaler.class).getSpec().getMinReplicas());
		assertThat(settings).containsKey("infosysta.gateway.trusted-proxies[0]");
	}

	@Test
	void serviceHpaPdbAndServiceMonitorFindTheGateway() {
		Map<String, String> pods = gateway().getSpec().getTemplate().getMetadata().getLabels();
		Container container = container(gateway());
		Service service = named(Service.class, GATEWAY);
		assertThat(pods).containsAllEntriesOf(service.getSpec().getSelector());
		for (ServicePort port : service.getSpec().getPorts()) {
			containerPort(container, port.getTargetPort());
		}

		HorizontalPodAutoscaler hpa = one(HorizontalPodAutoscaler.class);
		assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
		assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(GATEWAY);
		assertThat(hpa.getSpec().getMinReplicas()).isGreaterThanOrEqualTo(2);
		assertThat(hpa.getSpec().getMaxReplicas()).isGreaterThan(hpa.getSpec().getMinReplicas());

		PodDisruptionBudget pdb = one(PodDisruptionBudget.class);
		assertThat(pods).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
		assertThat(pdb.getSpec().getMaxUnavailable()).isEqualTo(new IntOrString(1));

		GenericKubernetesResource monitor = one(GenericKubernetesResource.class);
		assertThat(monitor.getKind()).isEqualTo("ServiceMonitor");
		Map<String, Object> endpoint = monitor.<List<Map<String, Object>>>get("spec", "endpoints").get(0);
		assertThat(endpoint).containsEntry("path", "/actuator/prometheus");
		ServicePort scraped = service.getSpec()
			.getPorts()
			.stream()
			.filter(port -> port.getName().equals(endpoint.get("port")))
			.findFirst()
			.orElseThrow();
		assertThat(containerPort(container, scraped.getTargetPort()))
			.isEqualTo(Integer.parseInt(setting("management.server.port")));
		assertThat(service.getMetadata().getLabels())
			.containsAllEntriesOf(monitor.<Map<String, String>>get("spec", "selector", "matchLabels"));
	}

	@Test
	void networkPolicyAdmitsOnlyTheLoadBalancerAndPrometheusAndAllowsDns() {
		NetworkPolicy policy = named(NetworkPolicy.class, GATEWAY);
		assertThat(gateway().getSpec().getTemplate().getMetadata().getLabels())
			.containsAllEntriesOf(policy.getSpec().getPodSelector().getMatchLabels());
		assertThat(policy.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");

		int port = Integer.parseInt(setting("server.port"));
		int management = Integer.parseInt(setting("management.server.port"));
		for (var rule : policy.getSpec().getIngress()) {
			assertThat(rule.getFrom()).as("ingress from anywhere").isNotEmpty();
			assertThat(rule.getPorts()).isNotEmpty();
		}
		assertThat(policy.getSpec().getIngress()).flatExtracting(rule -> rule.getPorts())
			.extracting(rulePort -> rulePort.getPort().getIntVal())
			.containsExactlyInAnyOrder(port, management);

		List<String> egress = policy.getSpec()
			.getEgress()
			.stream()
			.flatMap(rule -> rule.getPorts().stream())
			.map(rulePort -> rulePort.getProtocol() + "/" + rulePort.getPort().getIntVal())
			.toList();
		assertThat(egress).contains("UDP/53", "TCP/53", "TCP/443", "TCP/6379", "TCP/4318");
		assertThat(policy.getSpec().getEgress()).as("egress to anywhere on any port")
			.allMatch(rule -> !rule.getPorts().isEmpty());
	}

	@Test
	void yamllintAcceptsDeploy() throws Exception {
		Process yamllint;
		try {
			yamllint = new ProcessBuilder("yamllint", "-f", "parsable", "-c", ".yamllint.yaml", "deploy/")
				.directory(ROOT.toFile())
				.redirectErrorStream(true)
				.start();
		}
		catch (IOException ex) {
			throw new AssertionError("yamllint is missing: install Debian's yamllint (.ci/run does)", ex);
		}
		if (!yamllint.waitFor(60, TimeUnit.SECONDS)) {
			yamllint.destroyForcibly();
			fail("yamllint did not finish within 60 s");
		}
		String output = new String(yamllint.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(yamllint.exitValue()).as("yamllint -c .yamllint.yaml deploy/:%n%s", output).isZero();
	}

	@Test
	void dockerfileRunsTheProductionJvmFlagsAsNonRootOnTheConfiguredPorts() throws IOException {
		String dockerfile = Files.readString(ROOT.resolve("deploy/Dockerfile"));
		List<String> instructions = instructions(dockerfile);
		int runtime = lastIndexStartingWith(instructions, "FROM ");
		List<String> stage = instructions.subList(runtime, instructions.size());

		String user = stage.stream().filter(line -> line.startsWith("USER ")).reduce((a, b) -> b).orElseThrow();
		assertThat(user).matches("USER [1-9][0-9]*(:[1-9][0-9]*)?");

		Matcher copy = Pattern.compile("COPY config/jvm\\.options (\\S+)").matcher(String.join("\n", stage));
		assertThat(copy.find()).as("the image copies config/jvm.options").isTrue();
		String entrypoint = stage.stream().filter(line -> line.startsWith("ENTRYPOINT ")).findFirst().orElseThrow();
		assertThat(entrypoint).contains("\"@" + copy.group(1) + "\"").contains("\"-jar\"");

		assertThat(stage.stream().filter(line -> line.startsWith("EXPOSE ")).findFirst().orElseThrow())
			.contains(setting("server.port"), setting("management.server.port"));
		assertThat(instructions).noneMatch(line -> line.startsWith("HEALTHCHECK") && !line.equals("HEALTHCHECK NONE"));
		assertThat(instructions).noneMatch(line -> line.contains("curl") || line.contains("wget"));
		assertThat(instructions).noneMatch(line -> line.startsWith("ENV JAVA_TOOL_OPTIONS"));
	}

	@Test
	void jvmOptionsAreTheProductionSet() throws IOException {
		List<String> options = jvmOptions();
		assertThat(options).contains("-XX:-UsePerfData", "-XX:+ExitOnOutOfMemoryError", "-XX:+UseContainerSupport",
				"-XX:-HeapDumpOnOutOfMemoryError", "-XX:-CreateCoredumpOnCrash");
		assertThat(options).anyMatch(option -> option.startsWith("-XX:MaxRAMPercentage="));
		assertThat(options).as("one collector, chosen").filteredOn(option -> option.matches("-XX:\\+Use\\w+GC")).hasSize(1);
		assertThat(options).noneMatch(option -> option.startsWith("-XX:TieredStopAtLevel")
				|| option.startsWith("-XX:+HeapDumpOnOutOfMemoryError") || option.startsWith("-XX:HeapDumpPath")
				|| option.startsWith("-Xlog") || option.startsWith("-XX:StartFlightRecording"));
		assertThat(options).allMatch(option -> option.startsWith("-"));
	}

	@Test
	void composeRunsTwoRestrictedReplicasWithRedisAndNginx() throws IOException {
		Map<String, Object> compose = yaml(ROOT.resolve("deploy/compose.yaml"));
		Map<String, Map<String, Object>> services = cast(compose.get("services"));
		assertThat(services).containsKeys("gateway-1", "gateway-2", "redis", "nginx");
		Duration drain = DurationStyle.detectAndParse(setting("spring.lifecycle.timeout-per-shutdown-phase"));
		for (String name : List.of("gateway-1", "gateway-2")) {
			Map<String, Object> gateway = services.get(name);
			assertThat(gateway).containsEntry("read_only", true);
			assertThat(gateway.get("cap_drop")).asInstanceOf(LIST).containsExactly("ALL");
			assertThat(gateway.get("tmpfs")).asInstanceOf(LIST).anyMatch(tmpfs -> tmpfs.toString().startsWith("/tmp"));
			assertThat(gateway.get("user").toString()).doesNotStartWith("0").doesNotStartWith("root");
			Map<String, Object> environment = cast(gateway.get("environment"));
			assertThat(environment).containsEntry("INFOSYSTA_GATEWAY_RATE_LIMIT_STORE", "redis")
				.containsEntry("INFOSYSTA_GATEWAY_RATE_LIMIT_REPLICAS", "2");
			assertThat(DurationStyle.detectAndParse(gateway.get("stop_grace_period").toString())).isGreaterThan(drain);
		}
	}

	static List<String> jvmOptions() throws IOException {
		return Files.readAllLines(ROOT.resolve("config/jvm.options"))
			.stream()
			.map(String::strip)
			.filter(line -> !line.isEmpty() && !line.startsWith("#"))
			.toList();
	}

	static Path repositoryRoot() {
		for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
			if (Files.isDirectory(dir.resolve("deploy/k8s")) && Files.isRegularFile(dir.resolve("config/jvm.options"))) {
				return dir;
			}
		}
		throw new IllegalStateException("no repository root (with deploy/k8s) above " + Path.of("").toAbsolutePath());
	}

	private static String setting(String name) {
		Object value = settings.get(name);
		assertThat(value).as("setting %s", name).isNotNull();
		return value.toString();
	}

	private static Deployment gateway() {
		return named(Deployment.class, GATEWAY);
	}

	private static Container container(Deployment deployment) {
		List<Container> containers = deployment.getSpec().getTemplate().getSpec().getContainers();
		assertThat(containers).hasSize(1);
		return containers.get(0);
	}

	private static ConfigMap configMap() {
		return one(ConfigMap.class);
	}

	/** A probe's or Service's port, by number or by the container port's name. */
	private static int containerPort(Container container, IntOrString port) {
		if (port.getIntVal() != null) {
			return port.getIntVal();
		}
		return container.getPorts()
			.stream()
			.filter(candidate -> port.getStrVal().equals(candidate.getName()))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no container port named " + port.getStrVal()))
			.getContainerPort();
	}

	/** Kubernetes' own sleep action, or an exec of {@code sleep N}. */
	private static long preStopSeconds(Container container) {
		var preStop = container.getLifecycle().getPreStop();
		if (preStop.getSleep() != null) {
			return preStop.getSleep().getSeconds();
		}
		List<String> command = preStop.getExec().getCommand();
		assertThat(command).hasSize(2);
		assertThat(command.get(0)).endsWith("sleep");
		return Long.parseLong(command.get(1));
	}

	private static VolumeMount mount(Container container, String path) {
		return container.getVolumeMounts()
			.stream()
			.filter(mount -> mount.getMountPath().equals(path))
			.findFirst()
			.orElseThrow(() -> new AssertionError("nothing mounted at " + path));
	}

	private static Volume volume(PodSpec pod, String name) {
		return pod.getVolumes().stream().filter(volume -> volume.getName().equals(name)).findFirst().orElseThrow();
	}

	private static <T extends HasMetadata> List<T> all(Class<T> kind) {
		return resources.stream().filter(kind::isInstance).map(kind::cast).toList();
	}

	private static <T extends HasMetadata> T one(Class<T> kind) {
		List<T> found = all(kind);
		assertThat(found).as(kind.getSimpleName()).hasSize(1);
		return found.get(0);
	}

	private static <T extends HasMetadata> T named(Class<T> kind, String name) {
		return all(kind).stream()
			.filter(resource -> resource.getMetadata().getName().equals(name))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no " + kind.getSimpleName() + " named " + name));
	}

	private record Kustomization(List<String> resources, String image) {
	}

	private static Kustomization kustomization() throws IOException {
		JsonNode kustomization = YAML.readTree(K8S.resolve("kustomization.yaml").toFile());
		assertThat(kustomization.path("kind").asText()).isEqualTo("Kustomization");
		List<String> files = new ArrayList<>();
		kustomization.path("resources").forEach(file -> files.add(file.asText()));
		JsonNode image = kustomization.path("images").path(0);
		return new Kustomization(files, image.path("name").asText());
	}

	private static List<JsonNode> documents(Path file) throws IOException {
		try (var parser = YAML.getFactory().createParser(file.toFile())) {
			return YAML.readValues(parser, JsonNode.class).readAll().stream().filter(doc -> !doc.isNull()).toList();
		}
	}

	private static Map<String, Object> yaml(Path file) throws IOException {
		return new Yaml().load(Files.readString(file));
	}

	/** Spring-style flat names: {@code a.b.c}, lists as {@code a[0]}; later sources win. */
	private static void flatten(String prefix, Object value, Map<String, Object> into) {
		if (value instanceof Map<?, ?> map) {
			map.forEach((key, child) -> flatten(prefix.isEmpty() ? key.toString() : prefix + "." + key, child, into));
		}
		else if (value instanceof List<?> list) {
			into.keySet().removeIf(key -> key.startsWith(prefix + "["));
			for (int i = 0; i < list.size(); i++) {
				flatten(prefix + "[" + i + "]", list.get(i), into);
			}
		}
		else if (value != null) {
			into.put(prefix, value);
		}
	}

	/**
	 * Collects fields the model put into "additional properties": Kubernetes would ignore such a field (a
	 * misspelt probe, say) without a word, so the test refuses it.
	 */
	private static void unknownFields(Object value, String path, List<String> unknown) {
		if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean
				|| value instanceof Enum<?>) {
			return;
		}
		if (value instanceof Collection<?> collection) {
			int i = 0;
			for (Object element : collection) {
				unknownFields(element, path + "[" + i++ + "]", unknown);
			}
			return;
		}
		if (value instanceof Map<?, ?> map) {
			map.forEach((key, element) -> unknownFields(element, path + "." + key, unknown));
			return;
		}
		if (!value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
			return;
		}
		for (Method getter : value.getClass().getMethods()) {
			if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
					|| !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
				continue;
			}
			Object child = invoke(getter, value);
			if (getter.getName().equals("getAdditionalProperties")) {
				Map<?, ?> additional = (Map<?, ?>) child;
				if (additional != null && !additional.isEmpty()) {
					unknown.add(path + ": " + additional.keySet());
				}
			}
			else if (!(value instanceof IntOrString) && !getter.getName().startsWith("getNumerical")) {
				unknownFields(child, path + "." + property(getter), unknown);
			}
		}
	}

	private static Object invoke(Method getter, Object target) {
		try {
			return getter.invoke(target);
		}
		catch (IllegalAccessException | InvocationTargetException ex) {
			throw new IllegalStateException(getter + " on " + target.getClass().getName(), ex);
		}
	}

	private static String property(Method getter) {
		String name = getter.getName().substring(3);
		return Character.toLowerCase(name.charAt(0)) + name.substring(1);
	}

	/** Dockerfile instructions, one per entry, continuation lines joined and comments dropped. */
	private static List<String> instructions(String dockerfile) {
		String joined = dockerfile.lines()
			.filter(line -> !line.stripLeading().startsWith("#"))
			.collect(Collectors.joining("\n"))
			.replace("\\\n", " ");
		return joined.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
	}

	private static int lastIndexStartingWith(List<String> lines, String prefix) {
		for (int i = lines.size() - 1; i >= 0; i--) {
			if (lines.get(i).startsWith(prefix)) {
				return i;
			}
		}
		throw new AssertionError("no " + prefix + "line");
	}

	@SuppressWarnings("unchecked")
	private static <T> T cast(Object value) {
		return (T) Objects.requireNonNull(value);
	}

}
