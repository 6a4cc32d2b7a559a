package com.infosysta.gateway.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The evidence behind "nothing is kept": the packaged gateway, with the production JVM flags of
 * config/jvm.options, runs under {@code strace -f} while real traffic passes (proxied calls with bodies both
 * ways, the gateway's own problem answers, a registry reload, health and a metrics scrape) and through its
 * shutdown. No file may be opened for writing, created, renamed, linked or deleted outside {@code /proc},
 * {@code /sys} and {@code /dev} (stdout and stderr are inherited, never opened). The one allowance: Netty
 * extracting its native epoll transport into the JVM's temporary directory at start-up
 * ({@code /tmp/libnetty_transport_native_epoll_<arch><random>.so}, created, loaded and deleted at once), which
 * the Kubernetes manifests put on an in-memory {@code /tmp}.
 */
final class NoDiskWritesIT {

	static final String STRACE = "/usr/bin/strace";

	static final String SYSCALLS = "openat,open,creat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,link,"
			+ "symlink";

	/** Netty's NativeLibraryLoader: "lib" + library name + the random part of Files.createTempFile. */
	static final Pattern NETTY_NATIVE_LIBRARY = Pattern
		.compile(Pattern.quote(System.getProperty("java.io.tmpdir").replaceAll("/$", ""))
				+ "/libnetty_transport_native_epoll_(x86_64|aarch_64)\\d+\\.so");

	static final Set<String> ALWAYS_WRITES = Set.of("creat", "mkdir", "mkdirat", "rename", "renameat", "renameat2",
			"unlink", "unlinkat", "link", "symlink");

	/** One traced call: pid, name, arguments (up to the closing parenthesis or "<unfinished ...>"). */
	static final Pattern CALL = Pattern.compile("^(\\d+)\\s+(\\w+)\\((.*?)(\\) += .*| <unfinished \\.\\.\\.>)$");

	/** A string argument as strace prints it, with the fd decoration (-y) of a preceding dirfd if any. */
	static final Pattern ARGUMENT = Pattern.compile("(?:(?:AT_FDCWD|\\d+)<([^>]*)>, )?\"((?:[^\"\\\\]|\\\\.)*)\"");

	@Test
	@Timeout(value = 4, unit = TimeUnit.MINUTES)
	void writesNothingToDiskWhileServingTraffic(@TempDir Path temp) throws Exception {
		assertThat(Path.of(STRACE)).as("install Debian's strace (.ci/run does)").isExecutable();
		Path traceDir = Files.createDirectories(temp.resolve("strace"));
		Path trace = traceDir.resolve("trace.log");
		Path registry = temp.resolve("registry.yml");
		String root = System.getProperty("repo.root");

		List<String> syscalls = new ArrayList<>();
		try (StandInUpstream upstream = StandInUpstream.start()) {
			Files.writeString(registry, registry(upstream, false));
			GatewayProcess gateway = GatewayProcess.start(
					List.of(STRACE, "-f", "--seccomp-bpf", "-qq", "-y", "-s", "4096", "-e", "trace=" + SYSCALLS, "-o",
							trace.toString()),
					List.of("@" + Path.of(root, "config", "jvm.options")),
					List.of("--infosysta.gateway.registry-file=" + registry,
							"--infosysta.gateway.registry-poll-interval=200ms",
							"--infosysta.gateway.upstream.allow-http=true",
							"--infosysta.gateway.upstream.allow-private-addresses=true",
							"--" + TestSecrets.SUBJECT_KEY_PROPERTY + "=" + TestSecrets.SUBJECT_KEY_SECRET),
					GatewayProcess.freePort(), GatewayProcess.freePort());
			try (gateway) {
				gateway.awaitReady();
				traffic(gateway, upstream, registry);
				gateway.terminate();
				assertThat(gateway.awaitExit(Duration.ofSeconds(60))).isIn(0, 143);
			}
		}

		List<String> lines = Files.readAllLines(trace, StandardCharsets.UTF_8);
		List<String> offending = new ArrayList<>();
		List<String> nettyLibrary = new ArrayList<>();
		for (String line : lines) {
			Matcher call = CALL.matcher(line);
			if (!call.matches()) {
				continue;
			}
			syscalls.add(call.group(2));
			for (String path : writtenPaths(call.group(2), call.group(3), root)) {
				if (NETTY_NATIVE_LIBRARY.matcher(path).matches()) {
					nettyLibrary.add(line);
				}
				else if (!allowed(path, traceDir)) {
					offending.add(line);
				}
			}
		}

		// The trace saw the JVM at work (it read the jar), in more than one thread (-f followed them).
		assertThat(lines).anyMatch(line -> line.contains("infosysta-gateway.jar"));
		assertThat(lines.stream().map(line -> line.split("\\s+", 2)[0]).distinct().count()).isGreaterThan(1);
		assertThat(syscalls).contains("openat");
		assertThat(offending).as("files written, created or removed by the gateway:%n%s", String.join("\n", offending))
			.isEmpty();
		// The one allowed write leaves nothing behind: every extracted library is deleted again.
		for (String path : nettyLibrary.stream().map(NoDiskWritesIT::firstPath).distinct().toList()) {
			assertThat(nettyLibrary).as("%s deleted after loading", path)
				.anyMatch(line -> line.contains("unlink") && line.contains(path));
		}
	}

	/** Proxied calls with bodies both ways, the gateway's own answers, a registry reload, health and metrics. */
	private static void traffic(GatewayProcess gateway, StandInUpstream upstream, Path registry) throws IOException {
		TestClient client = new TestClient(gateway.port, headers -> headers.set("Authorization", TestClient.BASIC));
		TestClient anonymous = new TestClient(gateway.port);
		TestClient management = new TestClient(gateway.managementPort);
		for (int i = 0; i < 20; i++) {
			assertThat(client.get("/jira/disk/rest/api/2/issue/D-" + i + "?expand=names").status()).isEqualTo(200);
		}
		assertThat(client.get("/jira/disk/secure/attachment/download/" + 8 * 1024 * 1024).status()).isEqualTo(200);
		Integer uploaded = HttpClient.create()
			.baseUrl("http://127.0.0.1:" + gateway.port)
			.headers(headers -> headers.set("Authorization", TestClient.BASIC))
			.post()
			.uri("/jira/disk/rest/api/2/issue/D-1/attachments")
			.send(Flux.range(0, 64).map(i -> Unpooled.wrappedBuffer(new byte[64 * 1024])))
			.response((response, body) -> body.then().thenReturn(response.status().code()))
			.blockLast(Duration.ofSeconds(30));
		assertThat(uploaded).isEqualTo(200);
		assertThat(anonymous.get("/jira/disk/rest/api/2/myself").status()).isEqualTo(401);
		assertThat(client.get("/jira/nobody/rest/api/2/myself").status()).isEqualTo(404);
		assertThat(client.get("/jira/disk/a/%2e%2e/b").status()).isEqualTo(400);
		assertThat(client.send(HttpMethod.TRACE, "/jira/disk/x", headers -> {
		}).status()).isEqualTo(405);
		assertThat(client.get("/jira/disk/rest/api/2/status/502").status()).isEqualTo(502);

		Files.writeString(registry, registry(upstream, true));
		await().atMost(Duration.ofSeconds(20))
			.until(() -> client.get("/jira/disk-two/rest/api/2/myself").status() == 200);

		assertThat(management.get("/actuator/health").status()).isEqualTo(200);
		assertThat(management.get("/actuator/health/liveness").status()).isEqualTo(200);
		assertThat(management.get("/actuator/prometheus").body()).contains("infosysta_gateway_");
		assertThat(upstream.count()).isGreaterThan(20);
	}

	private static String registry(StandInUpstream upstream, boolean second) {
		return """
				plans:
				  open: { tenant: { rate: 10000, burst: 10000, in-flight: 100 }, subject: { rate: 10000, burst: 10000 } }
				tenants:
				  - { id: disk, deployment: server, base-url: "%1$s", plan: open }
				""".formatted(upstream.baseUrl())
				+ (second ? "  - { id: disk-two, deployment: server, base-url: \"%s\", plan: open }\n"
					.formatted(upstream.baseUrl()) : "");
	}

	/**
	 * The paths a traced call writes: any path of a call that always writes (for rename and link both, for
	 * symlink the new link), the path of an open for writing or creating; none for a read-only open.
	 */
	static List<String> writtenPaths(String syscall, String arguments, String workingDirectory) {
		List<String> paths = new ArrayList<>();
		Matcher argument = ARGUMENT.matcher(arguments);
		while (argument.find()) {
			String path = argument.group(2);
			String dir = (argument.group(1) != null) ? argument.group(1) : workingDirectory;
			paths.add(path.startsWith("/") ? path : Path.of(dir).resolve(path).normalize().toString());
		}
		if (syscall.equals("symlink") && paths.size() == 2) {
			return List.of(paths.get(1));
		}
		if (ALWAYS_WRITES.contains(syscall)) {
			return paths;
		}
		boolean opens = syscall.equals("open") || syscall.equals("openat");
		boolean writes = arguments.contains("O_WRONLY") || arguments.contains("O_RDWR")
				|| arguments.contains("O_CREAT") || arguments.contains("O_TRUNC") || arguments.contains("O_APPEND");
		return (opens && writes && !paths.isEmpty()) ? List.of(paths.get(0)) : List.of();
	}

	private static boolean allowed(String path, Path traceDir) {
		return path.startsWith("/proc/") || path.startsWith("/sys/") || path.startsWith("/dev/")
				|| path.startsWith(traceDir.toString() + "/");
	}

	private static String firstPath(String line) {
		Matcher argument = ARGUMENT.matcher(line);
		return argument.find() ? argument.group(2) : line;
	}

}
