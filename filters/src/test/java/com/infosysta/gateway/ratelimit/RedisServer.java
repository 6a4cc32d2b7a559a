package com.infosysta.gateway.ratelimit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * A real {@code redis-server} of this test's own, on 127.0.0.1 and a free port, so the test can stop it (an
 * outage) and start it again on the same port (a recovery). Nothing is persisted. When the binary is missing
 * the test fails: CI installs the Debian package {@code redis-server}, and a skipped test would hide that.
 */
final class RedisServer implements AutoCloseable {

	static final Path BINARY = Path.of("/usr/bin/redis-server");

	private static final InetAddress LOOPBACK = loopback();

	private final int port;

	private final Path directory;

	private final Path log;

	private Process process;

	private RedisServer(int port) {
		this.port = port;
		try {
			this.directory = Files.createTempDirectory("redis-" + port + "-");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		this.log = this.directory.resolve("redis-server.log");
	}

	/** Starts a server on a port that was free a moment ago. */
	static RedisServer startOnFreePort() {
		RedisServer server = new RedisServer(freePort());
		server.start();
		return server;
	}

	int port() {
		return this.port;
	}

	/** Starts the server (again) on its port and returns once it answers {@code PING}. */
	void start() {
		if (!Files.isExecutable(BINARY)) {
			fail(BINARY + " is missing: install the Debian package redis-server (the rate-limit tests need a real"
					+ " Redis and do not skip without one)");
		}
		if (this.process != null && this.process.isAlive()) {
			throw new IllegalStateException("redis-server on port " + this.port + " is already running");
		}
		ProcessBuilder builder = new ProcessBuilder(BINARY.toString(), "--port", Integer.toString(this.port), "--bind",
				"127.0.0.1", "--save", "", "--appendonly", "no", "--dir", this.directory.toString())
			.redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.appendTo(this.log.toFile()));
		try {
			this.process = builder.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot start " + BINARY, ex);
		}
		Process started = this.process;
		await("redis-server on port " + this.port + " answering PING (log: " + this.log + ")")
			.atMost(Duration.ofSeconds(20))
			.pollInterval(Duration.ofMillis(20))
			.failFast("redis-server exited; see " + this.log, () -> !started.isAlive())
			.until(this::answersPing);
	}

	/** Stops the server by its process id (SIGTERM) and waits until it has exited. */
	void stop() {
		Process running = this.process;
		if (running == null) {
			return;
		}
		running.destroy();
		try {
			if (!running.waitFor(20, TimeUnit.SECONDS)) {
				running.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			running.destroyForcibly();
			Thread.currentThread().interrupt();
		}
		this.process = null;
	}

	/** Sends one inline command over a raw socket and returns the first line of the answer. */
	String command(String inline) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(LOOPBACK, this.port), 500);
			socket.setSoTimeout(2_000);
			OutputStream out = socket.getOutputStream();
			out.write((inline + "\r\n").getBytes(StandardCharsets.US_ASCII));
			out.flush();
			BufferedReader in = new BufferedReader(
					new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
			return in.readLine();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	boolean answersPing() {
		try {
			return "+PONG".equals(command("PING"));
		}
		catch (UncheckedIOException ex) {
			return false;
		}
	}

	/** Stops the server for good and removes its directory (its log). */
	@Override
	public void close() {
		stop();
		try (java.util.stream.Stream<Path> files = Files.walk(this.directory)) {
			files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
		}
		catch (IOException ex) {
			// Only a temporary directory left behind.
		}
	}

	private static InetAddress loopback() {
		try {
			return InetAddress.getByAddress("localhost", new byte[] { 127, 0, 0, 1 });
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, LOOPBACK)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
