package com.infosysta.gateway.upstream;

/**
 * Maps a {@code Location} the upstream sent onto the gateway's own path for the tenant. Only locations under
 * the base the call went to are rewritten, at a path-segment boundary, so {@code /jiraX} never matches a base
 * of {@code /jira}.
 */
final class LocationRewrite {

	private LocationRewrite() {
	}

	/**
	 * @param location the upstream's {@code Location} value
	 * @param base {@code scheme://host[:port][/context]} without a trailing slash
	 * @param gatewayPath the gateway's path for the tenant, e.g. {@code /jira/acme}
	 * @return the rewritten value, or {@code location} itself when it is not under the base
	 */
	static String rewrite(String location, String base, String gatewayPath) {
		int schemeEnd = base.indexOf("://");
		int pathStart = base.indexOf('/', schemeEnd + 3);
		String origin = (pathStart < 0) ? base : base.substring(0, pathStart);
		String basePath = (pathStart < 0) ? "" : base.substring(pathStart);
		String path;
		if (location.regionMatches(true, 0, origin, 0, origin.length())) {
			path = location.substring(origin.length());
			if (!path.isEmpty() && "/?#".indexOf(path.charAt(0)) < 0) {
				return location;
			}
		}
		else if (location.startsWith("/") && !location.startsWith("//")) {
			path = location;
		}
		else {
			return location;
		}
		if (!path.startsWith(basePath)) {
			return location;
		}
		String rest = path.substring(basePath.length());
		if (!rest.isEmpty() && "/?#".indexOf(rest.charAt(0)) < 0) {
			return location;
		}
		return gatewayPath + rest;
	}

}
