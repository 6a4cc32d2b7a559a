package com.infosysta.gateway.tenant;

import java.util.Locale;

/** A kind of user credential a tenant may accept on {@code /jira/{tenant}/…}, named as in the registry file. */
public enum CredentialKind {

	/** OAuth 2.0 (3LO) bearer token, Cloud only; the call goes to the Atlassian API host. */
	OAUTH,

	/** HTTP Basic: e-mail and API token on Cloud, user name and password on Server/DC. */
	BASIC,

	/** Personal access token as a bearer, Server/DC only. */
	PAT;

	public String configName() {
		return name().toLowerCase(Locale.ROOT);
	}

	static CredentialKind fromConfigName(String name) {
		for (CredentialKind kind : values()) {
			if (kind.configName().equals(name)) {
				return kind;
			}
		}
		return null;
	}

}
