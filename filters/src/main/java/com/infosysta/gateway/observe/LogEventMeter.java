package com.infosysta.gateway.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.Logger;

/**
 * Counts log events by level as {@code logback.events} (the name and tag Micrometer's own Logback binder uses,
 * so dashboards keep working), from an appender on the root logger. Micrometer's binder counts through a Logback
 * turbo filter instead, which Logback consults on every {@code isDebugEnabled()} of every logger — thousands of
 * times a second inside Netty and Reactor, for events that are never logged. An appender sees only the events
 * that are logged, without a lock (the counters are thread-safe). Cannot fail a request; counts nothing once
 * closed.
 */
public final class LogEventMeter implements MeterBinder, AutoCloseable {

	static final String NAME = "logback.events";

	private final LoggerContext context;

	private CountingAppender appender;

	public LogEventMeter(LoggerContext context) {
		this.context = context;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		CountingAppender counting = new CountingAppender(counter(registry, "error"), counter(registry, "warn"),
				counter(registry, "info"), counter(registry, "debug"), counter(registry, "trace"));
		counting.setContext(this.context);
		counting.setName("infosysta-log-event-meter");
		counting.start();
		this.context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(counting);
		this.appender = counting;
	}

	private static Counter counter(MeterRegistry registry, String level) {
		return Counter.builder(NAME)
			.tag("level", level)
			.description("Number of log events logged, by level")
			.baseUnit("events")
			.register(registry);
	}

	@Override
	public void close() {
		if (this.appender != null) {
			this.context.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(this.appender);
			this.appender.stop();
		}
	}

	private static final class CountingAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {

		private final Counter error;

		private final Counter warn;

		private final Counter info;

		private final Counter debug;

		private final Counter trace;

		CountingAppender(Counter error, Counter warn, Counter info, Counter debug, Counter trace) {
			this.error = error;
			this.warn = warn;
			this.info = info;
			this.debug = debug;
			this.trace = trace;
		}

		@Override
		protected void append(ILoggingEvent event) {
			switch (event.getLevel().toInt()) {
				case Level.ERROR_INT -> this.error.increment();
				case Level.WARN_INT -> this.warn.increment();
				case Level.INFO_INT -> this.info.increment();
				case Level.DEBUG_INT -> this.debug.increment();
				default -> this.trace.increment();
			}
		}

	}

}
