package com.infosysta.gateway.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.infosysta.gateway.app.GatewayApplication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The registry is mounted the way Kubernetes mounts a Secret ({@code registry.yml -> ..data/registry.yml},
 * {@code ..data -> ..<timestamp>}) and changed by swapping the {@code ..data} symlink, while a client loop keeps
 * calling: no call may fail, good versions are picked up, a broken one is rejected and the old one kept.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
final class RegistryReloadIT {

	static final StandInUpstream UPSTREAM = StandInUpstream.start();

	static final Path MOUNT = createMount();

	static final AtomicInteger VERSION = new AtomicInteger();

	@LocalServerPort
	int port;

	@Autowired
	MeterRegistry meters;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("infosysta.gateway.registry-file", () -> MOUNT.resolve("registry.yml").toString());
		registry.add("infosysta.gateway.registry-poll-interval", () -> "100ms");
		registry.add("infosysta.gateway.upstream.allow-http", () -> "true");
		registry.add("infosysta.gateway.upstream.allow-private-addresses", () -> "true");
		registry.add("management.server.port", () -> "0");
		registry.add(TestSecrets.SUBJECT_KEY_PROPERTY, () -> TestSecrets.SUBJECT_KEY_SECRET);
		// Every test runs from 127.0.0.1: the brute-force guard is RateLimitIT's subject, not these tests'.
		registry.add("infosysta.gateway.rate-limit.failed-auth.burst", () -> "100000");
	}

	@AfterAll
	static void stopUpstream() {
		UPSTREAM.close();
	}

	@Test
	void picksUpSymlinkSwapsRejectsABrokenVersionAndFailsNoCallMeanwhile() throws Exception {
		TestClient client = new TestClient(this.port, headers -> headers.set("Authorization", TestClient.BASIC));
		AtomicBoolean running = new AtomicBoolean(true);
		AtomicLong calls = new AtomicLong();
		AtomicLong failures = new AtomicLong();
		Thread loop = new Thread(() -> {
			while (running.get()) {
				int status = client.get("/jira/one/rest/api/2/myself").status();
				calls.incrementAndGet();
				if (status != 200) {
					failures.incrementAndGet();
				}
			}
		}, "client-loop");
		loop.start();
		try {
			await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() > 20);
			assertThat(client.get("/jira/two/x").status()).isEqualTo(404);

			swapTo(registry("one", "two"));
			await().atMost(Duration.ofSeconds(10)).until(() -> client.get("/jira/two/x").status() == 200);

			double failuresBefore = reloadFailures();
			swapTo("tenants:\n  - id: one\n    deployment: server\n    base-url: ftp://nowhere\n");
			await().atMost(Duration.ofSeconds(10)).until(() -> reloadFailures() == failuresBefore + 1);
			assertThat(client.get("/jira/two/x").status()).isEqualTo(200);

			swapTo(registry("one"));
			await().atMost(Duration.ofSeconds(10)).until(() -> client.get("/jira/two/x").status() == 404);
			long callsNow = calls.get();
			await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() > callsNow + 20);
		}
		finally {
			running.set(false);
			loop.join(30_000);
		}
		assertThat(failures.get()).as("failed calls among %d", calls.get()).isZero();
		assertThat(this.meters.get("infosysta.gateway.registry.reloads").tag("outcome", "success").counter().count())
			.isEqualTo(2.0);
	}

	private double reloadFailures() {
		return this.meters.get("infosysta.gateway.registry.reloads").tag("outcome", "failure").counter().count();
	}

	static String registry(String... ids) {
		// A plan far above what the client loop sends: this test is about reloads, not rate limits.
		StringBuilder yaml = new StringBuilder("plans:\n  open: { tenant: { rate: 100000, burst: 100000 },"
				+ " subject: { rate: 100000, burst: 100000 } }\ntenants:\n");
		for (String id : ids) {
			yaml.append("  - id: ").append(id).append("\n    deployment: server\n    plan: open\n    base-url: ")
				.append(UPSTREAM.baseUrl()).append('\n');
		}
		return yaml.toString();
	}

	private static Path createMount() {
		try {
			Path mount = Files.createTempDirectory("registry-mount");
			Path first = Files.createDirectory(mount.resolve("..v0"));
			Files.writeString(first.resolve("registry.yml"), registry("one"));
			Files.createSymbolicLink(mount.resolve("..data"), first.getFileName());
			Files.createSymbolicLink(mount.resolve("registry.yml"), Path.of("..data", "registry.yml"));
			return mount;
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** What the kubelet does: write a new folder, then atomically repoint {@code ..data} at it. */
	private static void swapTo(String content) throws IOException {
		Path next = Files.createDirectory(MOUNT.resolve("..v" + VERSION.incrementAndGet()));
		Files.writeString(next.resolve("registry.yml"), content);
		Path link = MOUNT.resolve("..data_tmp");
		Files.createSymbolicLink(link, next.getFileName());
		Files.move(link, MOUNT.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
	}

}
