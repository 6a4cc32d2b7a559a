package com.infosysta.gateway.tenant;

/**
 * A registry file that cannot be used. The message names the file, the entry and the field, and never
 * contains a secret.
 */
public final class RegistryException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	public RegistryException(String message) {
		super(message);
	}

	public RegistryException(String message, Throwable cause) {
		super(message, cause);
	}

}
