package com.infosysta.gateway.auth;

import com.infosysta.gateway.tenant.CredentialKind;

/**
 * Who a verified call is from, as later steps (rate limits, the upstream request) need it. Never holds the
 * credential itself: the subject key is a one-way HMAC of the identity.
 *
 * @param tenantId the tenant the call is for, or {@code null} (a new installation has none yet)
 * @param appId the app on {@code /apps/{app}/…}, or {@code null} on {@code /jira/…}
 * @param kind the credential kind
 * @param subjectKey HMAC-SHA-256 of the identity under {@code subject-key-secret}, base64url
 * @param clientKey the Connect client key ({@code iss}) where there is one, else {@code null}
 */
public record Principal(String tenantId, String appId, CredentialKind kind, String subjectKey, String clientKey) {

	/** Exchange attribute holding the principal bound by the authentication step. */
	public static final String ATTRIBUTE = Principal.class.getName();

}
