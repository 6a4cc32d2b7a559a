package com.infosysta.gateway.tenant;

import java.util.Locale;

/**
 * A kind of credential, named as in the registry file and in metrics. The first three are users' Jira
 * credentials a tenant may {@code accept} on {@code /jira/{tenant}/…}; the others arrive on {@code /apps/…}.
 */
public enum CredentialKind {

	/** OAuth 2.0 (3LO) bearer token, Cloud only; the call goes to the Atlassian API host. */
	OAUTH,

	/** HTTP Basic: e-mail and API token on Cloud, user name and password on Server/DC. */
	BASIC,

	/** Personal access token as a bearer, Server/DC only. */
	PAT,

	/** A Connect JWT (HS256 under an installation's shared secret), from Jira or from the app's UI. */
	CONNECT,

	/** A Connect lifecycle JWT (RS256 under Atlassian's install keys) on {@code installed}/{@code uninstalled}. */
	LIFECYCLE,

	/** A Forge invocation token (RS256 under the Forge key set). */
	FORGE;

	/** Whether a tenant can list this kind in {@code accept}. */
	public boolean isUserCredential() {
		return this == OAUTH || this == BASIC || this == PAT;
	}

	public String configName() {
		return name().toLowerCase(Locale.ROOT);
	}

	static CredentialKind fromConfigName(String name) {
		for (CredentialKind kind : values()) {
			if (kind.isUserCredential() && kind.configName().equals(name)) {
				return kind;
			}
		}
		return null;
	}

}
