package com.infosysta.gateway.tenant;

/**
 * A validated upstream base URL, kept as parts so the upstream URI is always built from the registry's
 * scheme, host and port and never from anything in the request.
 *
 * @param scheme {@code https}, or {@code http} where explicitly allowed
 * @param host lower-case host name or IP literal (IPv6 in brackets)
 * @param port the explicit port, or -1 for the scheme's default
 * @param path the context path without a trailing slash, {@code ""} for none (e.g. {@code /jira})
 */
public record BaseUrl(String scheme, String host, int port, String path) {

	/** {@code scheme://host[:port]}. */
	public String origin() {
		return this.scheme + "://" + this.host + ((this.port == -1) ? "" : ":" + this.port);
	}

	@Override
	public String toString() {
		return origin() + this.path;
	}

}
