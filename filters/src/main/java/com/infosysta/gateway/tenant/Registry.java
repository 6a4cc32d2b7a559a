package com.infosysta.gateway.tenant;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One loaded, validated version of the registry file. Requests read whichever version is current when they
 * resolve their tenant; a reload swaps the whole object at once.
 */
public final class Registry {

	private final Map<String, Plan> plans;

	private final Map<String, Tenant> tenants;

	private final Map<String, Tenant> tenantsByClientKey;

	private final Map<java.util.UUID, Tenant> tenantsByCloudId;

	private final String contentHash;

	Registry(Map<String, Plan> plans, List<Tenant> tenants, String contentHash) {
		this.plans = Map.copyOf(plans);
		Map<String, Tenant> byId = new LinkedHashMap<>();
		Map<String, Tenant> byClientKey = new LinkedHashMap<>();
		Map<java.util.UUID, Tenant> byCloudId = new LinkedHashMap<>();
		for (Tenant tenant : tenants) {
			if (tenant.cloudId() != null) {
				byCloudId.putIfAbsent(tenant.cloudId(), tenant);
			}
			byId.put(tenant.id(), tenant);
			if (tenant.clientKey() != null) {
				byClientKey.put(tenant.clientKey(), tenant);
			}
		}
		this.tenants = Map.copyOf(byId);
		this.tenantsByClientKey = Map.copyOf(byClientKey);
		this.tenantsByCloudId = Map.copyOf(byCloudId);
		this.contentHash = contentHash;
	}

	public Tenant tenant(String id) {
		return this.tenants.get(id);
	}

	public Tenant tenantByClientKey(String clientKey) {
		return this.tenantsByClientKey.get(clientKey);
	}

	public Tenant tenantByCloudId(java.util.UUID cloudId) {
		return this.tenantsByCloudId.get(cloudId);
	}

	public Map<String, Tenant> tenants() {
		return this.tenants;
	}

	public Map<String, Plan> plans() {
		return this.plans;
	}

	/** SHA-256 (hex) of the file's bytes, the same on every replica that loaded the same file. */
	public String contentHash() {
		return this.contentHash;
	}

}
