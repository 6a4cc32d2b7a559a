package com.infosysta.gateway.auth;

import java.util.List;

import org.springframework.http.HttpMethod;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;

import com.infosysta.gateway.tenant.BaseUrl;

/**
 * One app, checked and parsed at start-up so requests only match, never parse.
 *
 * @param id the path segment in {@code /apps/{id}}
 * @param key the Connect app key (outbound {@code iss})
 * @param backend the backend's base URL, or {@code null}
 * @param backendSecret the key of the backend identity token, or {@code null}
 * @param publicBaseUrl the lifecycle tokens' audience without a trailing slash, or {@code null}
 * @param forgeAudience the Forge app ARI, or {@code null}
 * @param jiraCalls the allow-list of the app UI's Jira calls
 * @param contextPaths where {@code context-qsh} is accepted, relative to {@code /apps/{id}}
 * @param corsOrigins browser origins for the app's routes
 */
public record AppDefinition(String id, String key, BaseUrl backend, byte[] backendSecret, String publicBaseUrl,
		String forgeAudience, List<JiraCall> jiraCalls, List<PathPattern> contextPaths, List<String> corsOrigins) {

	public boolean allowsJiraCall(HttpMethod method, String rawRelativePath) {
		PathContainer path = PathContainer.parsePath(rawRelativePath.isEmpty() ? "/" : rawRelativePath);
		for (JiraCall call : this.jiraCalls) {
			if ((call.method() == null || call.method().equals(method)) && call.pattern().matches(path)) {
				return true;
			}
		}
		return false;
	}

	public boolean acceptsContextQsh(String rawRelativePath) {
		PathContainer path = PathContainer.parsePath(rawRelativePath.isEmpty() ? "/" : rawRelativePath);
		for (PathPattern pattern : this.contextPaths) {
			if (pattern.matches(path)) {
				return true;
			}
		}
		return false;
	}

	@Override
	public String toString() {
		return "AppDefinition[id=" + this.id + ", key=" + this.key + ", backend=" + this.backend + "]";
	}

	/**
	 * @param method the method, or {@code null} for any
	 * @param pattern the path pattern, relative to the tenant's base URL
	 */
	public record JiraCall(HttpMethod method, PathPattern pattern) {
	}

}
