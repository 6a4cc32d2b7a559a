package com.infosysta.gateway.tenant;

/**
 * A named set of limits from the registry's {@code plans:}.
 *
 * @param name the plan's name
 * @param tenant limits on all of one tenant's traffic
 * @param subject limits on one subject (user) of a tenant
 */
public record Plan(String name, Limits tenant, Limits subject) {

	/** Applies where the registry names no plan: 50/s burst 100 per tenant, 5/s burst 20 per subject. */
	public static final Plan DEFAULT = new Plan("default", new Limits(50, 100, 100), new Limits(5, 20, 0));

	/**
	 * @param rate tokens per second, may be fractional
	 * @param burst bucket size
	 * @param inFlight the tenant's bulkhead (concurrent calls); 0 where it does not apply
	 */
	public record Limits(double rate, int burst, int inFlight) {
	}

}
