package com.infosysta.gateway.auth;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

final class AuthPropertiesTest {

	@ParameterizedTest
	@ValueSource(strings = { "", "   " })
	void refusesAMissingSubjectKeySecret(String secret) {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new AuthProperties(secret, new AuthProperties.Connect(Duration.ofSeconds(30)), Map.of()))
			.withMessageStartingWith("infosysta.gateway.subject-key-secret: missing");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new AuthProperties(null, new AuthProperties.Connect(Duration.ofSeconds(30)), Map.of()))
			.withMessageStartingWith("infosysta.gateway.subject-key-secret: missing");
	}

	@Test
	void refusesALeewayOver30SecondsOrNegative() {
		for (Duration leeway : new Duration[] { Duration.ofSeconds(31), Duration.ofSeconds(-1), null }) {
			assertThatIllegalArgumentException().isThrownBy(() -> new AuthProperties.Connect(leeway))
				.withMessageStartingWith("infosysta.gateway.connect.leeway:");
		}
	}

	@Test
	void takesNoAppsWhenNoneAreConfigured() {
		AuthProperties properties = new AuthProperties(AuthFixtures.randomSecret(),
				new AuthProperties.Connect(Duration.ZERO), null);

		assertThat(properties.apps()).isEmpty();
	}

}
