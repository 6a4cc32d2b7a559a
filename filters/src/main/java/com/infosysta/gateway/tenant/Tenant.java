package com.infosysta.gateway.tenant;

import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * One customer's Jira as the registry file describes it. Immutable: a reload builds new instances, so a
 * request keeps the tenant it resolved even while the registry changes underneath it.
 *
 * @param id the path segment in {@code /jira/{tenant}}
 * @param deployment Cloud or Server/DC
 * @param baseUrl where the tenant's Jira lives
 * @param cloudId the Cloud site's id (for OAuth calls through the Atlassian API host), or {@code null}
 * @param accept the user credentials accepted on {@code /jira/{tenant}}
 * @param clientKey the Connect client key of the site, or {@code null}
 * @param apps the Connect installations of Infosysta apps on this site, by app id
 * @param plan the rate-limit plan
 * @param enabled {@code false} answers 403 to every call
 * @param caBundle the private CA bundle this tenant's upstream TLS trusts instead of the usual roots, or
 * {@code null}
 * @param corsOrigins the browser origins that may call {@code /jira/{tenant}/…} (CORS), as browsers send them
 */
public record Tenant(String id, Deployment deployment, BaseUrl baseUrl, UUID cloudId, Set<CredentialKind> accept,
		String clientKey, Map<String, SharedSecrets> apps, Plan plan, boolean enabled, CaBundle caBundle,
		Set<String> corsOrigins) {

	public Tenant {
		accept = Set.copyOf(accept);
		apps = Map.copyOf(apps);
		corsOrigins = (corsOrigins != null) ? Set.copyOf(corsOrigins) : Set.of();
	}

	public boolean accepts(CredentialKind kind) {
		return this.accept.contains(kind);
	}

}
