package com.infosysta.gateway.auth;

import com.infosysta.gateway.tenant.SharedSecrets;
import com.infosysta.gateway.tenant.Tenant;

/**
 * A verified call on {@code /apps/{app}/…}, as the upstream step needs it.
 *
 * @param app the app
 * @param toJira {@code true} for the app UI's calls to Jira ({@code /apps/{app}/jira/…}), {@code false} for the
 * app's backend
 * @param restPath the raw path after {@code /apps/{app}/jira} (Jira calls) or after {@code /apps/{app}} (backend)
 * @param tenant the tenant the call belongs to, or {@code null} (a new installation, a Forge call of an unknown site)
 * @param secrets the installation's shared secrets (Jira calls), or {@code null}
 * @param fromBrowser the call carried a context token ({@code context-qsh}): the app's UI in a browser
 */
public record AppCall(AppDefinition app, boolean toJira, String restPath, Tenant tenant, SharedSecrets secrets,
		boolean fromBrowser) {

	public static final String ATTRIBUTE = AppCall.class.getName();

	/** A call that did not come from a browser (Atlassian's own, or a Jira call from the app UI). */
	public AppCall(AppDefinition app, boolean toJira, String restPath, Tenant tenant, SharedSecrets secrets) {
		this(app, toJira, restPath, tenant, secrets, false);
	}

	/** Whether the call is charged to the rate limits: everything but Atlassian's own calls to the backend. */
	public boolean isRateLimited() {
		return this.toJira || this.fromBrowser;
	}

}
