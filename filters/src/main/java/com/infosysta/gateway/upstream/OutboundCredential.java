package com.infosysta.gateway.upstream;

import java.util.Map;

/**
 * The credential the upstream needs, decided by the upstream step and applied last, after every header rule,
 * so that nothing a client sends (a {@code Connection} list, an {@code X-Infosysta-*} header) can remove or
 * forge it. Without one, the client's {@code Authorization} passes unchanged (users' Jira credentials).
 *
 * @param authorization the {@code Authorization} to send, or {@code null} to send none
 * @param headers further headers to set (e.g. {@code X-Infosysta-Identity})
 * @param keepForgeHeaders whether Forge's {@code x-forge-oauth-*} headers may pass (to an app backend only)
 */
public record OutboundCredential(String authorization, Map<String, String> headers, boolean keepForgeHeaders) {

	public static final String ATTRIBUTE = OutboundCredential.class.getName();

	public OutboundCredential {
		headers = Map.copyOf(headers);
	}

	@Override
	public String toString() {
		return "OutboundCredential[redacted]";
	}

}
