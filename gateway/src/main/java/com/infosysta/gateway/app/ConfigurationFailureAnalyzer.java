package com.infosysta.gateway.app;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import com.infosysta.gateway.tenant.RegistryException;

/**
 * Turns a bad registry file at start-up into Boot's short "APPLICATION FAILED TO START" report, so the
 * operator reads the file, entry and field that are wrong instead of a stack trace.
 */
final class ConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<RegistryException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, RegistryException cause) {
		return new FailureAnalysis(cause.getMessage(),
				"Fix the registry file (its format is in README.md, 'The registry file') and start the gateway again.",
				cause);
	}

}
