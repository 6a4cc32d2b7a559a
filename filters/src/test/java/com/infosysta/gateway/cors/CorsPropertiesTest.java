package com.infosysta.gateway.cors;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

final class CorsPropertiesTest {

	@Test
	void keepsHeaderNamesInLowerCaseOnce() {
		CorsProperties properties = new CorsProperties(false, Duration.ZERO,
				List.of("Authorization", "authorization", "X-Request-Id"));

		assertThat(properties.allowedHeaders()).containsExactly("authorization", "x-request-id");
	}

	@ParameterizedTest
	@ValueSource(strings = { "*", "X-*", "two words", "", "X-A:" })
	void refusesAnAllowedHeaderThatIsNotAName(String name) {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new CorsProperties(false, Duration.ofMinutes(1), List.of("Accept", name)))
			.withMessage("infosysta.gateway.cors.allowed-headers: '" + name + "' (expected: a header name; no"
					+ " wildcard)");
	}

	@Test
	void refusesAMaxAgeBeyondWhatBrowsersKeep() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new CorsProperties(false, Duration.ofHours(25), List.of()))
			.withMessage("infosysta.gateway.cors.max-age: PT25H (expected: 0s to 24h)");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new CorsProperties(false, Duration.ofSeconds(-1), List.of()))
			.withMessageStartingWith("infosysta.gateway.cors.max-age:");
	}

}
