package com.infosysta.gateway.observe;

import java.util.Set;
import java.util.function.IntSupplier;

import com.infosysta.gateway.tenant.Tenant;

/**
 * Which value a tenant gets in the {@code tenant} tag of the gateway's meters, so the number of series stays
 * bounded however many customers the registry holds: while the registry has at most {@code maxTenantTags}
 * tenants each is its own tag; beyond that only the tenants listed in {@code tenantTags} (the same list on every
 * replica) keep theirs and all others share {@code other}. A call with no tenant is tagged {@code none}.
 */
public final class TenantTags {

	public static final String OTHER = "other";

	public static final String NONE = "none";

	private final int maxTenantTags;

	private final Set<String> tenantTags;

	private final IntSupplier registrySize;

	public TenantTags(int maxTenantTags, Set<String> tenantTags, IntSupplier registrySize) {
		this.maxTenantTags = maxTenantTags;
		this.tenantTags = Set.copyOf(tenantTags);
		this.registrySize = registrySize;
	}

	public String tag(Tenant tenant) {
		if (tenant == null) {
			return NONE;
		}
		String id = tenant.id();
		if (this.registrySize.getAsInt() <= this.maxTenantTags || this.tenantTags.contains(id)) {
			return id;
		}
		return OTHER;
	}

}
