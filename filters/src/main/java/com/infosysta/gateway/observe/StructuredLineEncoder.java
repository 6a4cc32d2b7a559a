package com.infosysta.gateway.observe;

import java.lang.reflect.Field;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;

import org.springframework.boot.logging.logback.StructuredLogEncoder;
import org.springframework.boot.logging.structured.StructuredLogFormatter;

/**
 * Spring Boot's structured log encoder (ECS, Logstash or GELF JSON, one object per line), producing the same
 * bytes more cheaply. The access log writes one line per request, so its cost is per request.
 * <ul>
 * <li>Boot's encoder writes each JSON token through an {@code OutputStreamWriter} (a locked charset-encoder call
 * per token); this one lets Boot's formatter build the line as a string and encodes it once.</li>
 * <li>For ECS, the default, a plain event (no exception, marker or MDC; key-values that are strings, numbers,
 * booleans or null under simple names: every access-log line) is written directly, in the order and escaping
 * Boot's ECS formatter uses, with the {@code service} object Boot renders at start. Start-up compares a probe
 * line from both and uses the direct path only if they are identical; anything else goes to Boot's formatter.
 * </li>
 * </ul>
 * Boot keeps its formatter private, so it is read once at start by reflection. If a Boot version ever renames
 * it, the encoder warns in Logback's status and falls back to Boot's own encoding: slower, never different.
 */
public final class StructuredLineEncoder extends StructuredLogEncoder {

	private static final String ECS = "ecs";

	private static final String PROCESS = "},\"process\":{";

	private static final String PROBE_THREAD = "\"thread\":{\"name\":\"probe-thread\"}}";

	private static final char[] HEX = "0123456789ABCDEF".toCharArray();

	private StructuredLogFormatter<ILoggingEvent> formatter;

	private Charset charset = StandardCharsets.UTF_8;

	private String format;

	/** What Boot writes in the process object before the thread ({@code "pid":1234,} when it knows the pid). */
	private String process;

	/** What Boot writes between the process object and the message ({@code ,"service":{…}}), or null. */
	private String service;

	/** What Boot writes after the last pair (the ECS version and the line's end), or null. */
	private String end;

	@Override
	public void setCharset(Charset charset) {
		super.setCharset(charset);
		this.charset = (charset != null) ? charset : StandardCharsets.UTF_8;
	}

	@Override
	public void setFormat(String format) {
		super.setFormat(format);
		this.format = format;
	}

	@Override
	public void start() {
		super.start();
		this.formatter = bootsFormatter();
		if (this.formatter != null && ECS.equals(this.format)) {
			learnEcsLayout();
		}
	}

	@SuppressWarnings("unchecked")
	private StructuredLogFormatter<ILoggingEvent> bootsFormatter() {
		try {
			Field field = StructuredLogEncoder.class.getDeclaredField("formatter");
			field.setAccessible(true);
			return (StructuredLogFormatter<ILoggingEvent>) field.get(this);
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			addWarn("Spring Boot's structured log formatter is out of reach; encoding the slower way", ex);
			return null;
		}
	}

	/** Whether plain ECS events are written directly (for tests). */
	boolean writesEcsDirectly() {
		return this.service != null;
	}

	@Override
	public byte[] encode(ILoggingEvent event) {
		StructuredLogFormatter<ILoggingEvent> formatter = this.formatter;
		if (formatter == null) {
			return super.encode(event);
		}
		String line = (this.service != null) ? ecsLine(event) : null;
		return ((line != null) ? line : formatter.format(event)).getBytes(this.charset);
	}

	/** Learns the fixed parts of Boot's ECS line from a probe, then checks the direct path against Boot's. */
	private void learnEcsLayout() {
		try {
			String plain = this.formatter.format(probe(List.of()));
			int process = plain.indexOf(PROCESS);
			int thread = plain.indexOf(PROBE_THREAD, process);
			int service = plain.indexOf(",\"service\":", thread);
			int message = plain.indexOf(",\"message\":\"probe\"", service);
			if (process < 0 || thread < 0 || service < 0 || message < 0) {
				addWarn("Unexpected ECS layout; every line goes through Boot's formatter: " + plain);
				return;
			}
			this.process = plain.substring(process + PROCESS.length(), thread);
			this.service = plain.substring(service, message);
			this.end = plain.substring(message + ",\"message\":\"probe\"".length());
			ILoggingEvent check = probe(List.of(new KeyValuePair("text", "q\" b\\ \t\n\u0001 \u007f ü € 😀"),
					new KeyValuePair("count", 42), new KeyValuePair("big", 1L << 40),
					new KeyValuePair("millis", 12.345), new KeyValuePair("yes", true), new KeyValuePair("none", null)));
			String expected = this.formatter.format(check);
			String direct = ecsLine(check);
			if (!expected.equals(direct)) {
				addWarn("The direct ECS line differs from Boot's; every line goes through Boot's formatter. Boot: "
						+ expected + " Direct: " + direct);
				this.service = null;
			}
		}
		catch (RuntimeException ex) {
			addWarn("Could not learn Boot's ECS layout; every line goes through Boot's formatter", ex);
			this.service = null;
		}
	}

	private ILoggingEvent probe(List<KeyValuePair> pairs) {
		Logger logger = ((ch.qos.logback.classic.LoggerContext) getContext()).getLogger("infosysta.probe");
		LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.INFO, "probe", null, null);
		event.setInstant(Instant.ofEpochSecond(1_700_000_000L, 123_456_789));
		event.setThreadName("probe-thread");
		event.setMDCPropertyMap(Map.of());
		pairs.forEach(event::addKeyValuePair);
		return event;
	}

	/** The line Boot's ECS formatter would write, or {@code null} when the event is not plain. */
	private String ecsLine(ILoggingEvent event) {
		List<Marker> markers = event.getMarkerList();
		Map<String, String> mdc = event.getMDCPropertyMap();
		if (event.getThrowableProxy() != null || (markers != null && !markers.isEmpty())
				|| (mdc != null && !mdc.isEmpty())) {
			return null;
		}
		List<KeyValuePair> pairs = event.getKeyValuePairs();
		if (pairs != null && !arePlain(pairs)) {
			return null;
		}
		StringBuilder line = new StringBuilder(512);
		line.append("{\"@timestamp\":\"").append(event.getInstant()).append("\",\"log\":{\"level\":\"");
		line.append(event.getLevel()).append("\",\"logger\":");
		string(line, event.getLoggerName());
		line.append(PROCESS).append(this.process).append("\"thread\":{\"name\":");
		string(line, event.getThreadName());
		line.append("}}").append(this.service).append(",\"message\":");
		string(line, event.getFormattedMessage());
		if (pairs != null) {
			for (KeyValuePair pair : pairs) {
				line.append(',');
				string(line, pair.key);
				line.append(':');
				Object value = pair.value;
				if (value == null || value instanceof Number || value instanceof Boolean) {
					line.append(value);
				}
				else {
					string(line, (String) value);
				}
			}
		}
		return line.append(this.end).toString();
	}

	/** Values Boot writes as they are, under names it does not nest (no dot), each name once. */
	private static boolean arePlain(List<KeyValuePair> pairs) {
		for (int i = 0; i < pairs.size(); i++) {
			KeyValuePair pair = pairs.get(i);
			Object value = pair.value;
			if (pair.key == null || pair.key.indexOf('.') >= 0 || !(value == null || value instanceof String
					|| value instanceof Integer || value instanceof Long || value instanceof Boolean
					|| (value instanceof Double number && Double.isFinite(number)))) {
				return false;
			}
			for (int j = 0; j < i; j++) {
				if (pair.key.equals(pairs.get(j).key)) {
					return false;
				}
			}
		}
		return true;
	}

	/** A JSON string, escaped as Boot's JSON writer escapes it. */
	private static void string(StringBuilder line, String value) {
		if (value == null) {
			line.append("null");
			return;
		}
		line.append('"');
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			switch (c) {
				case '"' -> line.append("\\\"");
				case '\\' -> line.append("\\\\");
				case '\b' -> line.append("\\b");
				case '\f' -> line.append("\\f");
				case '\n' -> line.append("\\n");
				case '\r' -> line.append("\\r");
				case '\t' -> line.append("\\t");
				default -> {
					if (Character.isISOControl(c)) {
						line.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf])
							.append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
					}
					else {
						line.append(c);
					}
				}
			}
		}
		line.append('"');
	}

}
