package com.infosysta.gateway.tenant;

import java.util.Arrays;
import java.util.List;

/**
 * The shared secrets of one Connect installation: one, or two during a rotation. Held in memory only; its
 * {@code toString} never shows a secret, so a registry can be logged or put in an exception safely.
 */
public final class SharedSecrets {

	private final List<byte[]> secrets;

	SharedSecrets(List<byte[]> secrets) {
		this.secrets = secrets.stream().map(byte[]::clone).toList();
	}

	/** Copies of the secrets, newest first as listed in the registry. */
	public List<byte[]> secrets() {
		return this.secrets.stream().map(byte[]::clone).toList();
	}

	public int count() {
		return this.secrets.size();
	}

	@Override
	public boolean equals(Object other) {
		if (!(other instanceof SharedSecrets that) || that.secrets.size() != this.secrets.size()) {
			return false;
		}
		for (int i = 0; i < this.secrets.size(); i++) {
			if (!Arrays.equals(this.secrets.get(i), that.secrets.get(i))) {
				return false;
			}
		}
		return true;
	}

	@Override
	public int hashCode() {
		return this.secrets.size();
	}

	@Override
	public String toString() {
		return "SharedSecrets[" + this.secrets.size() + " redacted]";
	}

}
