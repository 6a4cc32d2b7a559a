package com.infosysta.gateway.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 50 MB up and 50 MB down through the packaged gateway running with a 96 MB heap and 32 MB of direct memory:
 * had it buffered either body, it would have run out of memory. Both bodies arrive intact (SHA-256).
 */
final class LargeBodyIT {

	static final long SIZE = 50L * 1024 * 1024;

	static final int CHUNK = 64 * 1024;

	static StandInUpstream upstream;

	static GatewayProcess gateway;

	@BeforeAll
	static void start() throws IOException {
		upstream = StandInUpstream.start();
		Path registry = Files.createTempFile("large-body", ".yml");
		Files.writeString(registry, "tenants:\n  - id: bulk\n    deployment: server\n    base-url: "
				+ upstream.baseUrl() + "/jira\n");
		gateway = GatewayProcess.start(List.of("-Xmx96m", "-XX:MaxDirectMemorySize=32m", "-XX:-UsePerfData"),
				List.of("--infosysta.gateway.registry-file=" + registry,
						"--infosysta.gateway.upstream.allow-http=true",
						"--infosysta.gateway.upstream.allow-private-addresses=true",
						"--" + TestSecrets.SUBJECT_KEY_PROPERTY + "=" + TestSecrets.SUBJECT_KEY_SECRET));
		gateway.awaitReady();
	}

	@AfterAll
	static void stop() throws Exception {
		if (gateway != null) {
			gateway.close();
		}
		upstream.close();
	}

	HttpClient client() {
		return HttpClient.create()
			.baseUrl("http://127.0.0.1:" + gateway.port)
			.headers(headers -> headers.set("Authorization", TestClient.BASIC))
			.responseTimeout(Duration.ofMinutes(2));
	}

	@Test
	void streamsA50MegabyteUploadIntact() {
		String body = client().post()
			.uri("/jira/bulk/rest/api/2/issue/A-1/attachments")
			.send(generated(SIZE))
			.responseSingle((response, content) -> {
				assertThat(response.status().code()).isEqualTo(200);
				return content.asString();
			})
			.block(Duration.ofMinutes(3));

		Map<String, Object> echo = Json.object(body);
		assertThat(((Number) echo.get("bytes")).longValue()).isEqualTo(SIZE);
		assertThat(echo.get("sha256")).isEqualTo(StandInUpstream.expectedDownloadSha256(SIZE));
		assertThat(upstream.lastReceived().uri()).isEqualTo("/jira/rest/api/2/issue/A-1/attachments");
		assertThat(gateway.isAlive()).isTrue();
	}

	@Test
	void streamsA50MegabyteDownloadIntact() {
		MessageDigest digest = sha256();
		long received = client().get()
			.uri("/jira/bulk/secure/attachment/download/" + SIZE)
			.responseContent()
			.map(buffer -> {
				int readable = buffer.readableBytes();
				byte[] bytes = new byte[readable];
				buffer.readBytes(bytes);
				digest.update(bytes);
				return (long) readable;
			})
			.reduce(0L, Long::sum)
			.block(Duration.ofMinutes(3));

		assertThat(received).isEqualTo(SIZE);
		assertThat(HexFormat.of().formatHex(digest.digest())).isEqualTo(StandInUpstream.expectedDownloadSha256(SIZE));
		assertThat(gateway.isAlive()).isTrue();
	}

	/** The stand-in's download pattern, produced chunk by chunk so the test itself holds little. */
	static Flux<ByteBuf> generated(long size) {
		return Flux.generate(() -> 0L, (offset, sink) -> {
			int length = (int) Math.min(CHUNK, size - offset);
			byte[] chunk = new byte[length];
			for (int i = 0; i < length; i++) {
				chunk[i] = (byte) ((offset + i) * 31 + 7);
			}
			sink.next(Unpooled.wrappedBuffer(chunk));
			long next = offset + length;
			if (next >= size) {
				sink.complete();
			}
			return next;
		});
	}

	static MessageDigest sha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
