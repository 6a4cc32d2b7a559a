package com.infosysta.gateway.upstream;

/**
 * The configured base a call went to and the gateway's path that stands for it, e.g.
 * {@code https://jira.acme.example/jira} and {@code /jira/acme}: what rewriting a {@code Location} needs. Kept
 * as one exchange attribute, not two: the exchange's attribute map grows (a rehash of every entry) once it holds
 * 24, and a full-chain call came to exactly that.
 *
 * @param base {@code scheme://host[:port][/context]} from configuration
 * @param gatewayPath the gateway's path that corresponds to {@code base}
 */
public record UpstreamBase(String base, String gatewayPath) {

	/** Exchange attribute holding the call's {@code UpstreamBase}. */
	public static final String ATTRIBUTE = UpstreamBase.class.getName();

	/** The upstream's {@code Location} mapped onto the gateway's path, or unchanged when not under the base. */
	String rewrite(String location) {
		return LocationRewrite.rewrite(location, this.base, this.gatewayPath);
	}

}
