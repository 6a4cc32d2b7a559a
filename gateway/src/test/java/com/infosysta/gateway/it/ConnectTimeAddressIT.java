package com.infosysta.gateway.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.infosysta.gateway.app.GatewayApplication;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A tenant whose host name resolves to a loopback address is refused at connect time while private addresses
 * are not allowed, even though its base URL passed the load-time checks (a name, not an IP literal): this is
 * what stops DNS rebinding from reaching the internal network.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
final class ConnectTimeAddressIT {

	static final StandInUpstream UPSTREAM = StandInUpstream.start();

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) throws IOException {
		Path file = Files.createTempDirectory("address-it").resolve("registry.yml");
		Files.writeString(file, "tenants:\n  - id: rebinding\n    deployment: server\n    base-url: http://localhost:"
				+ UPSTREAM.port() + "\n");
		registry.add("infosysta.gateway.registry-file", file::toString);
		registry.add("infosysta.gateway.upstream.allow-http", () -> "true");
		registry.add("management.server.port", () -> "0");
		registry.add(TestSecrets.SUBJECT_KEY_PROPERTY, () -> TestSecrets.SUBJECT_KEY_SECRET);
	}

	@AfterAll
	static void stopUpstream() {
		UPSTREAM.close();
	}

	@Test
	void refusesAHostThatResolvesToLoopbackWith502AndSendsNothing() {
		TestClient.Response response = new TestClient(this.port, headers -> headers.set("Authorization", TestClient.BASIC)).get("/jira/rebinding/rest/api/2/myself");

		assertThat(response.status()).isEqualTo(502);
		Map<String, Object> problem = Json.object(response.body());
		assertThat(problem).containsEntry("reason", "upstream-address-not-allowed");
		assertThat(UPSTREAM.count()).isZero();
	}

}
