package com.infosysta.gateway.observe;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxy;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.MarkerFactory;
import org.slf4j.event.KeyValuePair;

import org.springframework.boot.logging.logback.StructuredLogEncoder;
import org.springframework.core.env.Environment;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/** Spring Boot's own structured encoder is the oracle: every line must come out byte for byte the same. */
final class StructuredLineEncoderTest {

	private final LoggerContext context = context();

	private final Logger access = this.context.getLogger("infosysta.access");

	@ParameterizedTest
	@ValueSource(strings = { "ecs", "logstash", "gelf" })
	void writesExactlyTheBytesSpringBootsOwnEncoderWrites(String format) {
		StructuredLogEncoder boots = started(new StructuredLogEncoder(), format);
		StructuredLineEncoder ours = started(new StructuredLineEncoder(), format);

		for (LoggingEvent event : events()) {
			byte[] expected = boots.encode(event);
			byte[] actual = ours.encode(event);
			assertThat(new String(actual, StandardCharsets.UTF_8))
				.isEqualTo(new String(expected, StandardCharsets.UTF_8))
				.endsWith("\n");
			assertThat(actual).isEqualTo(expected);
		}

	}

	@Test
	void writesPlainEcsEventsDirectly() {
		StructuredLineEncoder ours = started(new StructuredLineEncoder(), "ecs");

		assertThat(ours.writesEcsDirectly()).as(this.context.getStatusManager().getCopyOfStatusList().toString())
			.isTrue();
	}

	/** An access-log line, and every kind of event the direct path must leave to Boot's formatter. */
	private List<LoggingEvent> events() {
		List<LoggingEvent> events = new ArrayList<>();
		events.add(event(Level.INFO, "access", "request_id", "4a632866499f2842674250be0a66fdbe", "route", "jira",
				"tenant", "acme", "method", "GET", "status", 200, "outcome", "completed", "duration_ms", 437.645,
				"upstream_ms", null, "bytes_in", 0L, "bytes_out", 2787L, "reason", "quote \" backslash \\ tab \t"
						+ " newline \n nul \u0000 del \u007f c1 \u0085 ü € 😀"));
		events.add(event(Level.WARN, "Upstream {} refused", "reason", "upstream-unreachable"));
		events.add(event(Level.DEBUG, "no pairs at all"));
		events.add(event(Level.ERROR, "a dotted name nests", "error.kind", "x"));
		events.add(event(Level.INFO, "a float and a list", "f", 1.5f, "list", List.of("x", "y")));
		events.add(event(Level.INFO, "not a number", "nan", Double.NaN));
		LoggingEvent withMdc = event(Map.of("traceId", "abc"), Level.INFO, "with mdc", "k", "v");
		events.add(withMdc);
		LoggingEvent withMarker = event(Level.INFO, "with marker");
		withMarker.addMarker(MarkerFactory.getMarker("SECURITY"));
		events.add(withMarker);
		LoggingEvent failed = event(Level.WARN, "failed");
		failed.setThrowableProxy(new ThrowableProxy(new IllegalStateException("boom")));
		events.add(failed);
		return events;
	}

	private LoggingEvent event(Level level, String message, Object... pairs) {
		return event(Map.of(), level, message, pairs);
	}

	private LoggingEvent event(Map<String, String> mdc, Level level, String message, Object... pairs) {
		LoggingEvent event = new LoggingEvent(Logger.class.getName(), this.access, level, message, null,
				new Object[] { "10.0.0.1:443" });
		event.setThreadName("reactor-http-epoll-1");
		event.setMDCPropertyMap(mdc);
		for (int i = 0; i < pairs.length; i += 2) {
			event.addKeyValuePair(new KeyValuePair((String) pairs[i], pairs[i + 1]));
		}
		return event;
	}

	private <E extends StructuredLogEncoder> E started(E encoder, String format) {
		encoder.setContext(this.context);
		encoder.setFormat(format);
		encoder.setCharset(StandardCharsets.UTF_8);
		encoder.start();
		return encoder;
	}

	private static LoggerContext context() {
		LoggerContext context = new LoggerContext();
		context.setMDCAdapter(new LogbackMDCAdapter());
		context.putObject(Environment.class.getName(), new MockEnvironment()
			.withProperty("spring.application.name", "infosysta-gateway")
			.withProperty("spring.application.version", "1.2.3"));
		return context;
	}

}
