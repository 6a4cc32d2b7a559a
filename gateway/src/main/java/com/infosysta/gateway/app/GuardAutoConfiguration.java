package com.infosysta.gateway.app;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.context.annotation.Bean;

import com.infosysta.gateway.guard.RequestGuardFilter;
import com.infosysta.gateway.privacy.NoStoreFilter;
import com.infosysta.gateway.problem.ProblemResponseWriter;

/** Step one (the guard) and the privacy filter that wraps every answer. */
@AutoConfiguration(after = ProblemAutoConfiguration.class)
public class GuardAutoConfiguration {

	@Bean
	NoStoreFilter noStoreFilter() {
		return new NoStoreFilter();
	}

	@Bean
	RequestGuardFilter requestGuardFilter(ProblemResponseWriter problems) {
		return new RequestGuardFilter(problems);
	}

}
