package com.infosysta.gateway.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.yaml.snakeyaml.Yaml;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.convert.DurationStyle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * SIGTERM to the packaged gateway (run with the production JVM flags of config/jvm.options) while two calls are
 * in flight, a slow answer and a long streamed download read slowly by its client: readiness goes DOWN and the
 * port refuses new connections at once, both calls complete with 200 and every byte, and then the JVM exits by
 * itself (143, as a JVM does after SIGTERM) within spring.lifecycle.timeout-per-shutdown-phase plus the few
 * seconds the rest of the shutdown takes.
 */
final class GracefulShutdownIT {

	/** spring.lifecycle.timeout-per-shutdown-phase, as the jar's application.yml sets it. */
	static final Duration DRAIN = drainTime();

	/** The rest of the shutdown after the drain (event loops' quiet period, the management server). */
	static final Duration AFTER_DRAIN = Duration.ofSeconds(10);

	static final long DOWNLOAD_BYTES = 48L * 1024 * 1024;

	/** The client reads the download at this pace, so it takes about 6 s, most of it after SIGTERM. */
	static final long READ_BYTES_PER_SECOND = 8L * 1024 * 1024;

	static final long SLOW_MILLIS = 6000;

	@Test
	@Timeout(value = 3, unit = TimeUnit.MINUTES)
	void drainsCallsInFlightAndExitsWithinTheDrainTime() throws Exception {
		try (StandInUpstream upstream = StandInUpstream.start();
				GatewayProcess gateway = start(upstream)) {
			gateway.awaitReady();
			HttpClient client = HttpClient.create(ConnectionProvider.newConnection())
				.baseUrl("http://127.0.0.1:" + gateway.port)
				.headers(headers -> headers.set("Authorization", TestClient.BASIC))
				.responseTimeout(Duration.ofSeconds(60));
			AtomicLong downloaded = new AtomicLong();
			CompletableFuture<String> slow = slowCall(client);
			CompletableFuture<String> download = slowDownload(client, downloaded);
			await().atMost(Duration.ofSeconds(20)).until(() -> downloaded.get() > 4 * 1024 * 1024
					&& upstream.received().stream().anyMatch(call -> call.uri().contains("/slow/")));

			long signalled = System.nanoTime();
			gateway.terminate();

			TestClient management = new TestClient(gateway.managementPort);
			await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
				.until(() -> management.get("/actuator/health/readiness").status() == 503);
			long readinessDown = System.nanoTime();
			await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
				.until(() -> refusesConnections(gateway.port));
			long refusing = System.nanoTime();
			assertThat(download).as("the download is still in flight while new connections are refused")
				.isNotDone();

			assertThat(slow.get(60, TimeUnit.SECONDS)).isEqualTo("200 slow");
			long slowDone = System.nanoTime();
			assertThat(download.get(60, TimeUnit.SECONDS))
				.isEqualTo(StandInUpstream.expectedDownloadSha256(DOWNLOAD_BYTES));
			long downloadDone = System.nanoTime();
			assertThat(downloaded.get()).isEqualTo(DOWNLOAD_BYTES);

			int exit = gateway.awaitExit(DRAIN.plus(AFTER_DRAIN));
			long exited = System.nanoTime();
			assertThat(exit).as("exit status").isIn(0, 143);
			assertThat(Duration.ofNanos(exited - signalled)).as("from SIGTERM to exit")
				.isLessThan(DRAIN.plus(AFTER_DRAIN));
			System.out.printf("after SIGTERM: readiness DOWN %d ms, connections refused %d ms, slow call done %d ms, "
					+ "download done %d ms, JVM exited %d ms%n", millis(signalled, readinessDown),
					millis(signalled, refusing), millis(signalled, slowDone), millis(signalled, downloadDone),
					millis(signalled, exited));
		}
	}

	private static GatewayProcess start(StandInUpstream upstream) throws IOException {
		Path registry = Files.createTempFile("graceful-shutdown", ".yml");
		Files.writeString(registry, """
				plans:
				  open: { tenant: { rate: 10000, burst: 10000, in-flight: 100 }, subject: { rate: 10000, burst: 10000 } }
				tenants:
				  - { id: drain, deployment: server, base-url: "%s/jira", plan: open }
				""".formatted(upstream.baseUrl()));
		registry.toFile().deleteOnExit();
		String root = System.getProperty("repo.root");
		return GatewayProcess.start(List.of("@" + Path.of(root, "config", "jvm.options")),
				List.of("--infosysta.gateway.registry-file=" + registry,
						"--infosysta.gateway.upstream.allow-http=true",
						"--infosysta.gateway.upstream.allow-private-addresses=true",
						"--" + TestSecrets.SUBJECT_KEY_PROPERTY + "=" + TestSecrets.SUBJECT_KEY_SECRET));
	}

	/** A call whose upstream answers after {@link #SLOW_MILLIS}: "status body". */
	private static CompletableFuture<String> slowCall(HttpClient client) {
		return client.get()
			.uri("/jira/drain/rest/api/2/slow/" + SLOW_MILLIS)
			.responseSingle((response, body) -> body.asString().map(text -> response.status().code() + " " + text))
			.toFuture();
	}

	/**
	 * Downloads {@link #DOWNLOAD_BYTES} at {@link #READ_BYTES_PER_SECOND}, asking for the next piece only when the
	 * pace allows (backpressure reaches the gateway, which cannot finish early); completes with the SHA-256.
	 */
	private static CompletableFuture<String> slowDownload(HttpClient client, AtomicLong downloaded) {
		MessageDigest digest = LargeBodyIT.sha256();
		long started = System.nanoTime();
		return client.get()
			.uri("/jira/drain/secure/attachment/download/" + DOWNLOAD_BYTES)
			.responseContent()
			.map(buffer -> {
				byte[] bytes = new byte[buffer.readableBytes()];
				buffer.readBytes(bytes);
				digest.update(bytes);
				return downloaded.addAndGet(bytes.length);
			})
			.concatMap(total -> {
				long due = started + total * 1_000_000_000L / READ_BYTES_PER_SECOND;
				long wait = due - System.nanoTime();
				return (wait > 0) ? Mono.delay(Duration.ofNanos(wait)).thenReturn(total) : Mono.just(total);
			}, 1)
			.then(Mono.fromCallable(() -> HexFormat.of().formatHex(digest.digest())))
			.toFuture();
	}

	@SuppressWarnings("unchecked")
	static Duration drainTime() {
		try {
			Map<String, Object> yaml = new Yaml().load(Files.readString(
					Path.of(System.getProperty("repo.root"), "gateway/src/main/resources/application.yml")));
			Map<String, Object> lifecycle = (Map<String, Object>) ((Map<String, Object>) yaml.get("spring"))
				.get("lifecycle");
			return DurationStyle.detectAndParse(lifecycle.get("timeout-per-shutdown-phase").toString());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static boolean refusesConnections(int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
			return false;
		}
		catch (ConnectException refused) {
			return true;
		}
		catch (IOException other) {
			return false;
		}
	}

	private static long millis(long from, long to) {
		return TimeUnit.NANOSECONDS.toMillis(to - from);
	}

}
