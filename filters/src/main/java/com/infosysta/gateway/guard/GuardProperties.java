package com.infosysta.gateway.guard;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The guard's settings.
 *
 * @param trustedProxies CIDRs of the load balancers whose {@code X-Forwarded-For} is believed
 */
@ConfigurationProperties("infosysta.gateway")
public record GuardProperties(List<String> trustedProxies) {

	public GuardProperties {
		trustedProxies = (trustedProxies != null) ? List.copyOf(trustedProxies) : List.of();
	}

}
