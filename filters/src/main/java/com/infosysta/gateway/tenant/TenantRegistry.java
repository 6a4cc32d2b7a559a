package com.infosysta.gateway.tenant;

/** Where the request path finds tenants; the current version may change between two calls. */
public interface TenantRegistry {

	/** The registry version in force now; never {@code null} once the gateway has started. */
	Registry current();

	/** The tenant with this id in the current version, or {@code null}. */
	default Tenant tenant(String id) {
		return current().tenant(id);
	}

}
