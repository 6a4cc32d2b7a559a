package com.infosysta.gateway.app;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

import com.infosysta.gateway.guard.ClientAddresses;
import com.infosysta.gateway.guard.GuardProperties;
import com.infosysta.gateway.guard.RequestGuardFilter;
import com.infosysta.gateway.privacy.NoStoreFilter;
import com.infosysta.gateway.problem.ProblemResponseWriter;

/** Step one (the guard) and the privacy filter that wraps every answer. */
@AutoConfiguration(after = ProblemAutoConfiguration.class)
@EnableConfigurationProperties(GuardProperties.class)
public class GuardAutoConfiguration {

	@Bean
	NoStoreFilter noStoreFilter() {
		return new NoStoreFilter();
	}

	@Bean
	ClientAddresses clientAddresses(GuardProperties properties) {
		return new ClientAddresses(properties.trustedProxies());
	}

	@Bean
	RequestGuardFilter requestGuardFilter(ProblemResponseWriter problems, ClientAddresses clientAddresses) {
		return new RequestGuardFilter(problems, clientAddresses);
	}

}
