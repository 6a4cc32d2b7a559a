package com.infosysta.gateway.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A rolling restart as deploy/replicas.sh runs it: two packaged gateway replicas (production JVM flags, memory
 * rate limits) behind nginx on loopback, configured from deploy/nginx/replicas.conf.template (keep-alive to the
 * replicas, {@code proxy_next_upstream error timeout}). While a client loop calls through nginx, replica 1 gets
 * SIGTERM, drains, exits and is started again on its port, then replica 2: not one call fails, and each restarted
 * replica serves calls again.
 */
final class RollingRestartIT {

	static final String NGINX = "/usr/sbin/nginx";

	static final int CALLERS = 4;

	@Test
	@Timeout(value = 8, unit = TimeUnit.MINUTES)
	void restartingEachReplicaInTurnDropsNoCall(@TempDir Path temp) throws Exception {
		assertThat(Path.of(NGINX)).as("install Debian's nginx (.ci/run does)").isExecutable();
		// nginx's workers run as an unprivileged user when the tests run as root.
		Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
		int[] ports = { GatewayProcess.freePort(), GatewayProcess.freePort() };
		int[] managementPorts = { GatewayProcess.freePort(), GatewayProcess.freePort() };
		int balancer = GatewayProcess.freePort();
		GatewayProcess[] replicas = new GatewayProcess[2];
		try (StandInUpstream upstream = StandInUpstream.start()) {
			Path registry = temp.resolve("registry.yml");
			Files.writeString(registry, """
					plans:
					  open: { tenant: { rate: 100000, burst: 100000, in-flight: 200 }, subject: { rate: 100000, burst: 100000 } }
					tenants:
					  - { id: roll, deployment: server, base-url: "%s", plan: open }
					""".formatted(upstream.baseUrl()));
			for (int i = 0; i < 2; i++) {
				replicas[i] = startReplica(registry, ports[i], managementPorts[i]);
			}
			for (GatewayProcess replica : replicas) {
				replica.awaitReady();
			}
			Process nginx = startNginx(Files.createDirectories(temp.resolve("nginx")), balancer, ports);
			CallLoop loop = new CallLoop(balancer);
			try {
				await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
					.until(() -> new TestClient(balancer).get("/jira/roll/rest/api/2/myself",
							headers -> headers.set("Authorization", TestClient.BASIC)).status() == 200);
				loop.start();
				loop.awaitServedBy(ports[0], 20);
				loop.awaitServedBy(ports[1], 20);
				for (int i = 0; i < 2; i++) {
					long signalled = System.nanoTime();
					replicas[i].terminate();
					assertThat(replicas[i].awaitExit(Duration.ofSeconds(60))).as("exit status").isIn(0, 143);
					long exited = System.nanoTime();
					replicas[i].close();
					replicas[i] = startReplica(registry, ports[i], managementPorts[i]);
					replicas[i].awaitReady();
					long ready = System.nanoTime();
					long servedBefore = loop.servedBy(ports[i]);
					loop.awaitServedBy(ports[i], servedBefore + 20);
					System.out.printf("replica %d: exited %d ms after SIGTERM, ready again %d ms later%n", i + 1,
							TimeUnit.NANOSECONDS.toMillis(exited - signalled),
							TimeUnit.NANOSECONDS.toMillis(ready - exited));
				}
			}
			finally {
				loop.stop();
				nginx.destroy();
				if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
					nginx.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
				}
			}
			System.out.printf("calls: %d, served by replica: %s, failed: %d%n", loop.total.get(), loop.served,
					loop.failures.size());
			assertThat(loop.failures).as("failed calls (nginx: %s)", Files.readString(temp.resolve("nginx/nginx.log")))
				.isEmpty();
			assertThat(loop.total.get()).isGreaterThan(200);
		}
		finally {
			for (GatewayProcess replica : replicas) {
				if (replica != null) {
					replica.close();
				}
			}
		}
	}

	private static GatewayProcess startReplica(Path registry, int port, int managementPort) throws IOException {
		return GatewayProcess.start(List.of(), List.of("@" + Path.of(System.getProperty("repo.root"), "config",
				"jvm.options")),
				List.of("--infosysta.gateway.registry-file=" + registry,
						"--infosysta.gateway.upstream.allow-http=true",
						"--infosysta.gateway.upstream.allow-private-addresses=true",
						"--" + TestSecrets.SUBJECT_KEY_PROPERTY + "=" + TestSecrets.SUBJECT_KEY_SECRET,
						"--infosysta.gateway.rate-limit.store=memory",
						"--infosysta.gateway.rate-limit.failed-auth.burst=100000",
						"--infosysta.gateway.trusted-proxies=127.0.0.1/32"),
				port, managementPort);
	}

	/** nginx with deploy/nginx/replicas.conf.template filled in, everything it writes inside {@code dir}. */
	private static Process startNginx(Path dir, int port, int[] replicaPorts) throws IOException {
		Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
		String template = Files
			.readString(Path.of(System.getProperty("repo.root"), "deploy/nginx/replicas.conf.template"));
		Path config = dir.resolve("nginx.conf");
		Files.writeString(config, template.replace("@RUN_DIR@", dir.toString())
			.replace("@LISTEN_PORT@", Integer.toString(port))
			.replace("@GATEWAY_1_PORT@", Integer.toString(replicaPorts[0]))
			.replace("@GATEWAY_2_PORT@", Integer.toString(replicaPorts[1])));
		return new ProcessBuilder(NGINX, "-e", "stderr", "-p", dir + "/", "-c", config.toString())
			.redirectErrorStream(true)
			.redirectOutput(dir.resolve("nginx.log").toFile())
			.start();
	}

	/** {@link #CALLERS} clients calling through nginx one call after another until stopped. */
	static final class CallLoop {

		final AtomicLong total = new AtomicLong();

		final Map<Integer, AtomicLong> served = new ConcurrentHashMap<>();

		final Queue<String> failures = new ConcurrentLinkedQueue<>();

		private final AtomicBoolean running = new AtomicBoolean(true);

		private final AtomicInteger finished = new AtomicInteger();

		private final HttpClient client;

		private Disposable calls;

		CallLoop(int port) {
			this.client = HttpClient.create(ConnectionProvider.builder("rolling").maxConnections(CALLERS).build())
				.baseUrl("http://127.0.0.1:" + port)
				.headers(headers -> headers.set("Authorization", TestClient.BASIC))
				.disableRetry(true)
				.responseTimeout(Duration.ofSeconds(30));
		}

		void start() {
			this.calls = Flux.range(0, CALLERS)
				.flatMap(caller -> Flux.range(0, Integer.MAX_VALUE)
					.concatMap(n -> call().then(Mono.delay(Duration.ofMillis(10))), 1)
					.takeWhile(n -> this.running.get())
					.doFinally(signal -> this.finished.incrementAndGet()), CALLERS)
				.subscribe();
		}

		private Mono<Void> call() {
			long started = System.currentTimeMillis();
			return this.client.get()
				.uri("/jira/roll/rest/api/2/issue/R-1")
				.responseSingle((response, body) -> body.asString().defaultIfEmpty("").map(text -> {
					this.total.incrementAndGet();
					String upstream = response.responseHeaders().get("X-Upstream-Addr", "");
					if (response.status().code() != 200) {
						this.failures.add(started + ": " + response.status().code() + " via [" + upstream + "] " + text);
					}
					else {
						String last = upstream.substring(upstream.lastIndexOf(' ') + 1);
						int port = Integer.parseInt(last.substring(last.lastIndexOf(':') + 1));
						this.served.computeIfAbsent(port, key -> new AtomicLong()).incrementAndGet();
					}
					return text;
				}))
				.then()
				.onErrorResume(Exception.class, ex -> {
					this.total.incrementAndGet();
					this.failures.add(started + ": " + ex);
					return Mono.empty();
				});
		}

		long servedBy(int port) {
			AtomicLong count = this.served.get(port);
			return (count != null) ? count.get() : 0;
		}

		void awaitServedBy(int port, long calls) {
			await().atMost(Duration.ofSeconds(60)).until(() -> servedBy(port) >= calls);
		}

		void stop() {
			this.running.set(false);
			if (this.calls != null) {
				await().atMost(Duration.ofSeconds(40)).until(() -> this.finished.get() == CALLERS);
				this.calls.dispose();
			}
		}

	}

}
