package com.infosysta.gateway.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.test.StepVerifier;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.infosysta.gateway.app.GatewayApplication;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The management plane: only {@code health}, {@code prometheus} and {@code info}, on the management port only.
 * The endpoints behind Spring Cloud Gateway's history of remote code execution ({@code gateway}: routes with
 * SpEL; {@code env} and {@code refresh}: rewriting the configuration) and the ones that dump memory or wiring
 * answer 404 on both ports, to every method.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
final class ManagementPlaneIT {

	/** Never exposed; the gateway's own paths included, with and without a trailing segment. */
	static final List<String> HIDDEN = List.of("/actuator/gateway", "/actuator/gateway/routes",
			"/actuator/gateway/routes/injected", "/actuator/gateway/refresh", "/actuator/gateway/globalfilters",
			"/actuator/env", "/actuator/env/spring.cloud.gateway.routes", "/actuator/refresh", "/actuator/beans",
			"/actuator/heapdump", "/actuator/threaddump", "/actuator/configprops", "/actuator/mappings",
			"/actuator/loggers", "/actuator/metrics", "/actuator/shutdown", "/actuator/restart",
			"/actuator/conditions", "/actuator/scheduledtasks", "/actuator/sbom", "/actuator/startup");

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	@Autowired
	RouteLocator routes;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) throws IOException {
		Path file = Files.createTempDirectory("management-it").resolve("registry.yml");
		Files.writeString(file, "tenants:\n  - id: acme\n    deployment: server\n    base-url: https://jira.acme.example\n");
		registry.add("infosysta.gateway.registry-file", file::toString);
		registry.add("management.server.port", () -> "0");
		registry.add(TestSecrets.SUBJECT_KEY_PROPERTY, () -> TestSecrets.SUBJECT_KEY_SECRET);
	}

	@ParameterizedTest
	@ValueSource(strings = { "GET", "POST", "DELETE" })
	void hidesEveryOtherEndpointOnTheManagementPort(String method) {
		TestClient management = new TestClient(this.managementPort);
		for (String path : HIDDEN) {
			TestClient.Response response = management.send(HttpMethod.valueOf(method), path,
					headers -> headers.set("Content-Type", "application/json"));
			assertThat(response.status()).as(method + " " + path).isEqualTo(404);
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "GET", "POST", "DELETE" })
	void answersTheWholeActuatorTreeWith404OnThePublicPort(String method) {
		TestClient gateway = new TestClient(this.port);
		for (String path : concat(HIDDEN, List.of("/actuator", "/actuator/health", "/actuator/health/readiness",
				"/actuator/prometheus", "/actuator/info"))) {
			TestClient.Response response = gateway.send(HttpMethod.valueOf(method), path,
					headers -> headers.set("Content-Type", "application/json"));
			assertThat(response.status()).as(method + " " + path).isEqualTo(404);
			assertThat(Json.object(response.body())).containsEntry("reason", "unknown-route");
		}
	}

	@Test
	void servesHealthPrometheusAndInfoOnTheManagementPortOnly() {
		TestClient management = new TestClient(this.managementPort);

		assertThat(management.get("/actuator/health").status()).isEqualTo(200);
		assertThat(management.get("/actuator/health/liveness").status()).isEqualTo(200);
		assertThat(management.get("/actuator/health/readiness").status()).isEqualTo(200);
		assertThat(management.get("/actuator/prometheus").status()).isEqualTo(200);
		assertThat(management.get("/actuator/info").status()).isEqualTo(200);
		assertThat(management.get("/actuator").body()).doesNotContain("gateway", "env", "refresh", "beans",
				"heapdump");
	}

	@Test
	void definesExactlyTheTwoRouteFamiliesInCode() {
		StepVerifier.create(this.routes.getRoutes().map(Route::getId).collectList())
			.assertNext(ids -> assertThat(ids).containsExactlyInAnyOrder("jira", "apps"))
			.verifyComplete();
	}

	private static List<String> concat(List<String> first, List<String> second) {
		return java.util.stream.Stream.concat(first.stream(), second.stream()).toList();
	}

}
