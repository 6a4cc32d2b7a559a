package com.infosysta.gateway.auth;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import com.infosysta.gateway.tenant.CredentialKind;

/**
 * Counts credential verifications by kind, outcome and reason. Every tag value comes from an enum, so the
 * number of series is bounded; each is registered the first time it occurs and then reused.
 */
public final class VerificationMetrics {

	private static final int UNKNOWN_KIND = CredentialKind.values().length;

	private static final int ACCEPTED = CredentialException.Reason.values().length;

	private final MeterRegistry meters;

	private final ConcurrentMap<Integer, Counter> counters = new ConcurrentHashMap<>();

	public VerificationMetrics(MeterRegistry meters) {
		this.meters = meters;
	}

	void accepted(CredentialKind kind) {
		counter(kind, null).increment();
	}

	/** @param kind the credential kind, or {@code null} when the credential could not even be classified */
	void rejected(CredentialKind kind, CredentialException.Reason reason) {
		counter(kind, reason).increment();
	}

	private Counter counter(CredentialKind kind, CredentialException.Reason reason) {
		int kindIndex = (kind != null) ? kind.ordinal() : UNKNOWN_KIND;
		int reasonIndex = (reason != null) ? reason.ordinal() : ACCEPTED;
		return this.counters.computeIfAbsent(kindIndex * 64 + reasonIndex, key -> Counter
			.builder("infosysta.gateway.credential.verifications")
			.description("Credential verifications by kind, outcome and reason")
			.tag("kind", (kind != null) ? kind.configName() : "unknown")
			.tag("outcome", (reason != null) ? "rejected" : "accepted")
			.tag("reason", (reason != null) ? reason.tag() : "none")
			.register(this.meters));
	}

}
