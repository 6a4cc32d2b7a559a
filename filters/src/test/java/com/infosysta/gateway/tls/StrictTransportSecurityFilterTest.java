package com.infosysta.gateway.tls;

import java.security.cert.X509Certificate;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import org.springframework.http.server.reactive.SslInfo;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.WebFilterChain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

final class StrictTransportSecurityFilterTest {

	/** An upstream that sends HSTS for its own host. */
	private final WebFilterChain upstream = exchange -> {
		exchange.getResponse().getHeaders().set("Strict-Transport-Security", "max-age=5; preload");
		return exchange.getResponse().setComplete();
	};

	@Test
	void sendsHstsOnAnswersOverTls() {
		MockServerWebExchange exchange = exchange(true);

		StepVerifier.create(filter(HstsProperties.Mode.TLS, false).filter(exchange, this.upstream)).verifyComplete();

		assertThat(exchange.getResponse().getHeaders().get("Strict-Transport-Security"))
			.containsExactly("max-age=31536000");
	}

	@Test
	void sendsNoHstsOverPlainHttpEvenWhenTheUpstreamDoes() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/jira/acme/x")
			.header("X-Forwarded-Proto", "https"));

		StepVerifier.create(filter(HstsProperties.Mode.TLS, false).filter(exchange, this.upstream)).verifyComplete();

		assertThat(exchange.getResponse().getHeaders().containsHeader("Strict-Transport-Security")).isFalse();
	}

	@Test
	void sendsHstsOnEveryAnswerBehindATlsTerminatingBalancer() {
		MockServerWebExchange exchange = exchange(false);

		StepVerifier.create(filter(HstsProperties.Mode.ALWAYS, true).filter(exchange, this.upstream))
			.verifyComplete();

		assertThat(exchange.getResponse().getHeaders().get("Strict-Transport-Security"))
			.containsExactly("max-age=31536000; includeSubDomains");
	}

	@Test
	void sendsNoHstsWhenOff() {
		MockServerWebExchange exchange = exchange(true);

		StepVerifier.create(filter(HstsProperties.Mode.OFF, false).filter(exchange, this.upstream)).verifyComplete();

		assertThat(exchange.getResponse().getHeaders().containsHeader("Strict-Transport-Security")).isFalse();
	}

	@Test
	void refusesAMaxAgeOutOfRange() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new HstsProperties(HstsProperties.Mode.TLS, Duration.ofDays(800), false))
			.withMessage("infosysta.gateway.hsts.max-age: PT19200H (expected: 0s to 730d)");
	}

	private static StrictTransportSecurityFilter filter(HstsProperties.Mode mode, boolean subdomains) {
		return new StrictTransportSecurityFilter(new HstsProperties(mode, Duration.ofDays(365), subdomains));
	}

	private static MockServerWebExchange exchange(boolean tls) {
		MockServerHttpRequest.BaseBuilder<?> request = MockServerHttpRequest.get("/jira/acme/x");
		if (tls) {
			request.sslInfo(new SslInfo() {

				@Override
				public String getSessionId() {
					return "session";
				}

				@Override
				public X509Certificate[] getPeerCertificates() {
					return null;
				}

			});
		}
		return MockServerWebExchange.from(request);
	}

}
