package com.infosysta.gateway.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import com.infosysta.gateway.app.GatewayApplication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * A bad registry file or a bad property stops start-up, before any port is bound, with a message that names
 * the file, the entry and the field.
 */
final class StartupFailureIT {

	@TempDir
	Path dir;

	static Stream<Arguments> badRegistries() {
		return Stream.of(
				Arguments.of("plain http without allow-http",
						"tenants:\n  - id: acme\n    deployment: server\n    base-url: http://jira.acme.example\n",
						List.of(), "tenants[0] (id 'acme'): base-url: 'http://jira.acme.example' is not allowed"),
				Arguments.of("loopback literal without allow-private-addresses",
						"tenants:\n  - id: acme\n    deployment: server\n    base-url: https://127.0.0.1:8443\n",
						List.of(), "tenants[0] (id 'acme'): base-url: 'https://127.0.0.1:8443' is a loopback"),
				Arguments.of("metadata address even with http allowed",
						"tenants:\n  - id: acme\n    deployment: server\n    base-url: http://169.254.169.254\n",
						List.of("--infosysta.gateway.upstream.allow-http=true"),
						"tenants[0] (id 'acme'): base-url: 'http://169.254.169.254' is a loopback, private"),
				Arguments.of("duplicate id",
						"tenants:\n  - id: acme\n    deployment: server\n    base-url: https://a.example\n"
								+ "  - id: acme\n    deployment: server\n    base-url: https://b.example\n",
						List.of(), "tenants[1] (id 'acme'): id: 'acme' is already used by tenants[0]"),
				Arguments.of("cloud id not a UUID",
						"tenants:\n  - id: acme\n    deployment: cloud\n    base-url: https://acme.atlassian.net\n"
								+ "    cloud-id: not-a-uuid\n",
						List.of(), "tenants[0] (id 'acme'): cloud-id: 'not-a-uuid' is not a UUID"),
				Arguments.of("undefined plan",
						"tenants:\n  - id: acme\n    deployment: server\n    base-url: https://a.example\n"
								+ "    plan: gold\n",
						List.of(), "tenants[0] (id 'acme'): plan: 'gold' is not defined"),
				Arguments.of("short shared secret",
						"tenants:\n  - id: acme\n    deployment: cloud\n    base-url: https://acme.atlassian.net\n"
								+ "    accept: [basic]\n    client-key: ck-1\n    apps:\n"
								+ "      outlook-to-jira: { shared-secret: too-short-secret }\n",
						List.of(), "tenants[0] (id 'acme'): apps: outlook-to-jira: shared-secret: is 16 bytes long"),
				Arguments.of("invalid YAML", "tenants: [\n", List.of(), "is not valid YAML"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("badRegistries")
	void refusesToStartWithABadRegistry(String description, String content, List<String> extraArgs,
			String expectedMessage) throws IOException {
		Path file = this.dir.resolve("registry.yml");
		Files.writeString(file, content);

		Throwable failure = start(file, extraArgs);

		assertThat(rootMessage(failure)).contains("registry file '" + file + "'").contains(expectedMessage);
		assertThat(rootMessage(failure)).doesNotContain("too-short-secret");
	}

	@Test
	void refusesToStartWithoutASubjectKeySecret() throws IOException {
		Path file = this.dir.resolve("registry.yml");
		Files.writeString(file, "tenants: []\n");

		Throwable failure = catchThrowable(() -> new SpringApplicationBuilder(GatewayApplication.class, OwnReactorResources.class)
			.run("--server.port=0", "--management.server.port=0", "--infosysta.gateway.registry-file=" + file)
			.close());

		assertThat(messages(failure)).anyMatch(message -> message.contains("infosysta.gateway.subject-key-secret"));
	}

	@Test
	void refusesToStartWithoutTheRegistryFile() {
		Path missing = this.dir.resolve("missing.yml");

		assertThat(messages(start(missing, List.of())))
			.anyMatch(message -> message.startsWith("registry file '" + missing + "': cannot be read"));
	}

	@Test
	void refusesToStartWithABadUpstreamProperty() throws IOException {
		Path file = this.dir.resolve("registry.yml");
		Files.writeString(file, "tenants: []\n");

		Throwable failure = start(file, List.of("--infosysta.gateway.upstream.connect-timeout=0s"));

		assertThat(messages(failure)).anyMatch(message -> message.contains("connect-timeout"));
	}

	@Test
	void refusesAnHttpAtlassianApiHostWithoutAllowHttp() throws IOException {
		Path file = this.dir.resolve("registry.yml");
		Files.writeString(file, "tenants: []\n");

		Throwable failure = start(file, List.of("--infosysta.gateway.atlassian.api-base-url=http://api.example"));

		assertThat(messages(failure)).anyMatch(message -> message.contains("infosysta.gateway.atlassian.api-base-url"));
	}

	@Test
	void thePackagedGatewayExitsWithStatus1AndNamesTheField() throws Exception {
		Path file = this.dir.resolve("registry.yml");
		Files.writeString(file, "tenants:\n  - id: acme\n    deployment: server\n    base-url: https://[::1]\n");

		try (GatewayProcess gateway = GatewayProcess.start(List.of("-XX:-UsePerfData"),
				List.of("--infosysta.gateway.registry-file=" + file,
						"--" + TestSecrets.SUBJECT_KEY_PROPERTY + "=" + TestSecrets.SUBJECT_KEY_SECRET))) {
			assertThat(gateway.awaitExit(java.time.Duration.ofSeconds(60))).isEqualTo(1);
			assertThat(gateway.output()).contains("registry file '" + file
					+ "': tenants[0] (id 'acme'): base-url: 'https://[::1]' is a loopback");
		}
	}

	private static Throwable start(Path registry, List<String> extraArgs) {
		List<String> args = new ArrayList<>(List.of("--server.port=0", "--management.server.port=0",
				"--infosysta.gateway.registry-file=" + registry,
				"--" + TestSecrets.SUBJECT_KEY_PROPERTY + "=" + TestSecrets.SUBJECT_KEY_SECRET));
		args.addAll(extraArgs);
		Throwable failure = catchThrowable(() -> {
			ConfigurableApplicationContext context = new SpringApplicationBuilder(GatewayApplication.class, OwnReactorResources.class)
				.run(args.toArray(String[]::new));
			context.close();
		});
		assertThat(failure).as("start-up must fail").isNotNull();
		return failure;
	}

	private static String rootMessage(Throwable failure) {
		Throwable root = failure;
		while (root.getCause() != null) {
			root = root.getCause();
		}
		return root.getMessage();
	}

	private static List<String> messages(Throwable failure) {
		List<String> messages = new ArrayList<>();
		for (Throwable current = failure; current != null; current = current.getCause()) {
			messages.add(String.valueOf(current.getMessage()));
		}
		return messages;
	}

}
