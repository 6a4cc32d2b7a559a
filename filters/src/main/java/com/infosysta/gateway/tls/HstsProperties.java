package com.infosysta.gateway.tls;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * HTTP Strict Transport Security on the gateway's answers.
 *
 * @param mode {@code tls}: on answers sent over TLS, which only the connection can tell (a client cannot fake
 * it); {@code always}: on every answer, for a gateway behind a TLS-terminating load balancer (browsers ignore
 * the header on plain-HTTP answers, so this is safe); {@code off}
 * @param maxAge how long browsers keep to HTTPS for the gateway's host
 * @param includeSubdomains extend the rule to every subdomain of the gateway's host (only if they are all
 * HTTPS-only)
 */
@ConfigurationProperties("infosysta.gateway.hsts")
public record HstsProperties(@DefaultValue("tls") Mode mode, @DefaultValue("365d") Duration maxAge,
		@DefaultValue("false") boolean includeSubdomains) {

	public HstsProperties {
		if (mode == null) {
			throw new IllegalArgumentException("infosysta.gateway.hsts.mode: missing (expected: tls, always or off)");
		}
		if (maxAge == null || maxAge.isNegative() || maxAge.compareTo(Duration.ofDays(2 * 365)) > 0) {
			throw new IllegalArgumentException("infosysta.gateway.hsts.max-age: " + maxAge
					+ " (expected: 0s to 730d)");
		}
	}

	/** The {@code Strict-Transport-Security} value. */
	String headerValue() {
		return "max-age=" + this.maxAge.toSeconds() + (this.includeSubdomains ? "; includeSubDomains" : "");
	}

	/** When the header is sent. */
	public enum Mode {

		TLS, ALWAYS, OFF

	}

}
