package com.infosysta.gateway.tenant;

/** Where a tenant's Jira runs; it decides which credentials are accepted and where OAuth calls go. */
public enum Deployment {

	/** Jira Cloud: a site such as {@code https://acme.atlassian.net}. */
	CLOUD,

	/** Jira Server or Data Center, run by the customer. */
	SERVER

}
