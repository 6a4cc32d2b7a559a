package com.infosysta.gateway.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.TurboFilterList;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

final class LogEventMeterTest {

	private final LoggerContext context = new LoggerContext();

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	@Test
	void countsLoggedEventsByLevelAndNotTheOnesTheLevelHides() {
		this.context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.INFO);
		Logger logger = this.context.getLogger("some.component");
		try (LogEventMeter meter = new LogEventMeter(this.context)) {
			meter.bindTo(this.registry);

			logger.error("e");
			logger.warn("w1");
			logger.warn("w2");
			logger.info("i");
			logger.debug("hidden");
			logger.trace("hidden");

			assertThat(count("error")).isEqualTo(1);
			assertThat(count("warn")).isEqualTo(2);
			assertThat(count("info")).isEqualTo(1);
			assertThat(count("debug")).isZero();
			assertThat(count("trace")).isZero();
		}
		logger.warn("after close");
		assertThat(count("warn")).isEqualTo(2);
	}

	@Test
	void addsNoTurboFilterThatEveryLevelCheckWouldConsult() {
		try (LogEventMeter meter = new LogEventMeter(this.context)) {
			meter.bindTo(this.registry);

			TurboFilterList turboFilters = this.context.getTurboFilterList();
			assertThat(turboFilters).isEmpty();
		}
	}

	private double count(String level) {
		return this.registry.get(LogEventMeter.NAME).tag("level", level).counter().count();
	}

}
