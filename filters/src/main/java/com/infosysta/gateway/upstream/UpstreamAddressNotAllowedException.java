package com.infosysta.gateway.upstream;

/**
 * Raised at connect time when every address a tenant's host resolved to is one the gateway may not call. It
 * fails the call before a connection is opened, so DNS rebinding cannot reach the internal network.
 */
public final class UpstreamAddressNotAllowedException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	UpstreamAddressNotAllowedException(String host) {
		super("Upstream host '" + host + "' resolved only to addresses that are not allowed", null, false, false);
	}

}
