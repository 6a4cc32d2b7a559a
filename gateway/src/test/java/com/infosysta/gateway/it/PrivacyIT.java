package com.infosysta.gateway.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.Unpooled;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.infosysta.gateway.app.GatewayApplication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The privacy promise, checked from the outside: calls carrying planted canary values (a bearer token, a Basic
 * password and user, an e-mail address and JQL in the query, a body, a cookie) pass through the gateway on
 * good and bad paths, and neither the logs (every logger, every level that is on) nor the Prometheus output
 * contain any of them, nor do the exported spans (sampling everything) or the access log's fields.
 */
@SpringBootTest(classes = { GatewayApplication.class, PrivacyIT.Spans.class },
		webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
final class PrivacyIT {

	/** Every span the gateway exports (sampling 1.0), held in memory by the test. */
	static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();

	@TestConfiguration(proxyBeanMethods = false)
	static class Spans {

		@Bean
		SpanExporter spanExporter() {
			return SPANS;
		}

	}

	static final StandInUpstream UPSTREAM = StandInUpstream.start();

	static final String BEARER = "canary-bearer-7f3a9c2e";

	static final String PASSWORD = "canary-password-5d1b";

	static final String USER = "canary.user@example.com";

	static final String EMAIL_IN_QUERY = "canary.query@example.org";

	static final String JQL = "canaryproject";

	static final String BODY = "canary-body-content-42";

	static final String COOKIE = "canary-cookie-9e8d";

	static final String TRACE_STATE = "canary-state-61c0";

	static final List<String> CANARIES = List.of(BEARER, PASSWORD, USER, EMAIL_IN_QUERY, "canary.query%40example.org",
			JQL, BODY, COOKIE,
			TRACE_STATE, "/rest/api/2/search", "/status/401");

	static final ListAppender<ILoggingEvent> LOGS = new ListAppender<>();

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) throws IOException {
		Path file = Files.createTempDirectory("privacy-it").resolve("registry.yml");
		Files.writeString(file, """
				tenants:
				  - { id: acme, deployment: server, base-url: "%s" }
				  - { id: gone, deployment: server, base-url: "http://127.0.0.1:%d" }
				""".formatted(UPSTREAM.baseUrl(), ResilienceIT.closedPort()));
		registry.add("infosysta.gateway.registry-file", file::toString);
		registry.add("infosysta.gateway.upstream.allow-http", () -> "true");
		registry.add("infosysta.gateway.upstream.allow-private-addresses", () -> "true");
		registry.add("infosysta.gateway.upstream.response-timeout", () -> "1s");
		registry.add(TestSecrets.SUBJECT_KEY_PROPERTY, () -> TestSecrets.SUBJECT_KEY_SECRET);
		registry.add("infosysta.gateway.rate-limit.failed-auth.burst", () -> "100000");
		registry.add("management.server.port", () -> "0");
		registry.add("infosysta.gateway.tracing.sampling", () -> "1.0");
		LOGS.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
		LOGS.start();
		((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(LOGS);
	}

	@AfterAll
	static void stop() {
		((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(LOGS);
		UPSTREAM.close();
	}

	@Test
	void noCanaryReachesTheLogsOrTheMetrics() {
		String query = "?jql=project%20%3D%20" + JQL + "&email=" + EMAIL_IN_QUERY.replace("@", "%40");
		String basic = "Basic " + Base64.getEncoder()
			.encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
		TestClient client = new TestClient(this.port);
		for (String path : List.of("/jira/acme/rest/api/2/search", "/jira/acme/status/401", "/jira/acme/status/500",
				"/jira/acme/slow/3000", "/jira/acme/reset", "/jira/gone/rest/api/2/search", "/jira/nobody/x",
				"/jira/acme/a/%2e%2e/b", "/apps/nope/x", "/nothing")) {
			for (String authorization : List.of(basic, "Bearer " + BEARER, "JWT " + BEARER)) {
				client.get(path + query, headers -> headers.set("Authorization", authorization)
					.set("Cookie", "session=" + COOKIE)
					.set("X-Custom", EMAIL_IN_QUERY)
					.set("tracestate", "vendor=" + TRACE_STATE));
			}
		}
		String answer = HttpClient.create()
			.headers(headers -> headers.set("Authorization", basic).set("Content-Type", "text/plain"))
			.post()
			.uri("http://127.0.0.1:" + this.port + "/jira/acme/rest/api/2/issue" + query)
			.send(Mono.just(Unpooled.wrappedBuffer(BODY.getBytes(StandardCharsets.UTF_8))))
			.responseSingle((response, body) -> body.asString())
			.block(Duration.ofSeconds(20));
		assertThat(answer).as("the upstream saw the body").contains("\"bytes\":" + BODY.length());
		client.send(HttpMethod.TRACE, "/jira/acme/x" + query, headers -> headers.set("Authorization", basic));

		List<String> lines = new ArrayList<>();
		// Event loops still append (access-log lines of calls just answered): copy under the appender's lock.
		List<ILoggingEvent> events;
		synchronized (LOGS) {
			events = new ArrayList<>(LOGS.list);
		}
		for (ILoggingEvent event : events) {
			lines.add(event.getFormattedMessage());
			// The access log's fields are key-value pairs of the event; the JSON encoder writes them all.
			if (event.getKeyValuePairs() != null) {
				lines.add(event.getKeyValuePairs().toString());
			}
			lines.add(event.getMDCPropertyMap().toString());
			if (event.getThrowableProxy() != null) {
				lines.add(ThrowableProxyUtil.asString(event.getThrowableProxy()));
			}
		}
		assertThat(lines).as("the capture works: start-up's WARN about allow-http is there")
			.anyMatch(line -> line.contains("allow-http=true"));
		String metrics = new TestClient(this.managementPort).get("/actuator/prometheus").body();
		for (String canary : CANARIES) {
			assertThat(lines).as("log lines").noneMatch(line -> line.contains(canary));
			assertThat(metrics).as("metrics").doesNotContain(canary);
		}
		assertThat(metrics).contains("infosysta_gateway_credential_verifications_total");
		assertThat(lines).as("the access log is captured").anyMatch(line -> line.contains("tenant=") && line.contains("acme") && line.contains("request_id="));
		await().atMost(Duration.ofSeconds(10)).until(() -> SPANS.getFinishedSpanItems().size() >= 30);
		String spans = SPANS.getFinishedSpanItems().toString();
		assertThat(spans).as("spans are exported").contains("infosysta.tenant", "acme");
		for (String canary : CANARIES) {
			assertThat(spans).as("exported spans").doesNotContain(canary);
		}
	}

}
