package com.infosysta.gateway.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * The packaged gateway ({@code gateway/target/infosysta-gateway.jar}) in a JVM of its own, started from the
 * repository root as an operator would, for tests about memory bounds, exit codes and signals.
 */
final class GatewayProcess implements AutoCloseable {

	/** The gateway processes started and not yet closed, for {@link ThreadDump}. */
	static final Set<GatewayProcess> LIVE = ConcurrentHashMap.newKeySet();

	final int port;

	final int managementPort;

	private final Process process;

	private final Path output;

	private GatewayProcess(Process process, Path output, int port, int managementPort) {
		this.process = process;
		this.output = output;
		this.port = port;
		this.managementPort = managementPort;
	}

	static GatewayProcess start(List<String> jvmArgs, List<String> appArgs) throws IOException {
		return start(List.of(), jvmArgs, appArgs, freePort(), freePort());
	}

	/**
	 * Starts the jar on the given ports (a restarted replica keeps its load balancer's address), with the JVM run
	 * under {@code prefix} (for example {@code strace -f …}) when it is not empty.
	 */
	static GatewayProcess start(List<String> prefix, List<String> jvmArgs, List<String> appArgs, int port,
			int managementPort) throws IOException {
		String jar = System.getProperty("gateway.jar");
		String root = System.getProperty("repo.root");
		if (jar == null || root == null) {
			throw new IllegalStateException("run through Maven's failsafe: gateway.jar and repo.root are not set");
		}
		List<String> command = new ArrayList<>(prefix);
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(jvmArgs);
		command.add("-jar");
		command.add(jar);
		command.add("--server.port=" + port);
		command.add("--management.server.port=" + managementPort);
		command.addAll(appArgs);
		Path output = Files.createTempFile("gateway-process", ".log");
		Process process = new ProcessBuilder(command).directory(Path.of(root).toFile())
			.redirectErrorStream(true)
			.redirectOutput(output.toFile())
			.start();
		GatewayProcess started = new GatewayProcess(process, output, port, managementPort);
		LIVE.add(started);
		return started;
	}

	void awaitReady() {
		TestClient management = new TestClient(this.managementPort);
		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
			if (!this.process.isAlive()) {
				throw new AssertionError("gateway exited with " + this.process.exitValue() + ":\n" + output());
			}
			try {
				return management.get("/actuator/health/readiness").status() == 200;
			}
			catch (RuntimeException notYetListening) {
				return false;
			}
		});
	}

	/** Waits for the process to end by itself and returns its exit code. */
	int awaitExit(Duration timeout) throws InterruptedException {
		if (!this.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
			throw new AssertionError("gateway still running after " + timeout + ":\n" + output());
		}
		return this.process.exitValue();
	}

	boolean isAlive() {
		return this.process.isAlive();
	}

	/** Sends SIGTERM to the gateway's JVM (not to a prefix such as strace, which would only detach). */
	void terminate() {
		jvm().destroy();
	}

	/** The gateway's JVM: the process itself, or the JVM a prefix started. */
	ProcessHandle jvm() {
		return this.process.descendants()
			.filter(child -> child.info().command().map(command -> command.endsWith("/bin/java")).orElse(false))
			.findFirst()
			.orElse(this.process.toHandle());
	}

	/**
	 * The JVM's thread dump: SIGQUIT makes it print one to its own output, whatever config/jvm.options says of the
	 * attach mechanism (which jcmd would need).
	 */
	String threadDump() throws IOException, InterruptedException {
		long before = Files.size(this.output);
		ProcessHandle jvm = jvm();
		new ProcessBuilder("kill", "-QUIT", Long.toString(jvm.pid())).start().waitFor(10, TimeUnit.SECONDS);
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
		String dump = "";
		while (System.nanoTime() < deadline && !dump.contains("JNI global refs")) {
			Thread.sleep(100);
			String all = output();
			dump = (all.length() > before) ? all.substring((int) before) : "";
		}
		return "Thread dump of gateway process " + jvm.pid() + " (port " + this.port + "):\n" + dump;
	}

	String output() {
		try {
			return Files.readString(this.output);
		}
		catch (IOException ex) {
			return "(output unreadable: " + ex + ")";
		}
	}

	@Override
	public void close() throws InterruptedException, IOException {
		LIVE.remove(this);
		this.process.descendants().forEach(ProcessHandle::destroy);
		this.process.destroy();
		if (!this.process.waitFor(30, TimeUnit.SECONDS)) {
			this.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
		}
		Files.deleteIfExists(this.output);
	}

	static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
