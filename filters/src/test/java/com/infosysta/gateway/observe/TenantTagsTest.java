package com.infosysta.gateway.observe;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import com.infosysta.gateway.tenant.BaseUrl;
import com.infosysta.gateway.tenant.CredentialKind;
import com.infosysta.gateway.tenant.Deployment;
import com.infosysta.gateway.tenant.Plan;
import com.infosysta.gateway.tenant.Tenant;

import static org.assertj.core.api.Assertions.assertThat;

final class TenantTagsTest {

	private final AtomicInteger registrySize = new AtomicInteger();

	private final TenantTags tags = new TenantTags(3, Set.of("big-customer"), this.registrySize::get);

	@Test
	void tagsEveryTenantByIdBelowTheBound() {
		this.registrySize.set(2);

		assertThat(this.tags.tag(tenant("acme"))).isEqualTo("acme");
		assertThat(this.tags.tag(tenant("beta"))).isEqualTo("beta");
	}

	@Test
	void tagsEveryTenantByIdAtTheBound() {
		this.registrySize.set(3);

		assertThat(this.tags.tag(tenant("acme"))).isEqualTo("acme");
		assertThat(this.tags.tag(tenant("big-customer"))).isEqualTo("big-customer");
	}

	@Test
	void aboveTheBoundOnlyListedTenantsKeepTheirTag() {
		this.registrySize.set(4);

		assertThat(this.tags.tag(tenant("acme"))).isEqualTo(TenantTags.OTHER).isEqualTo("other");
		assertThat(this.tags.tag(tenant("beta"))).isEqualTo("other");
		assertThat(this.tags.tag(tenant("big-customer"))).isEqualTo("big-customer");
	}

	@Test
	void callWithoutTenantIsTaggedNoneWhateverTheRegistrySize() {
		this.registrySize.set(1);
		assertThat(this.tags.tag(null)).isEqualTo(TenantTags.NONE).isEqualTo("none");
		this.registrySize.set(1000);
		assertThat(this.tags.tag(null)).isEqualTo("none");
	}

	@Test
	void registryGrowingPastTheBoundAndShrinkingBackSwitchesTags() {
		Tenant acme = tenant("acme");
		this.registrySize.set(3);
		assertThat(this.tags.tag(acme)).isEqualTo("acme");

		this.registrySize.set(4);
		assertThat(this.tags.tag(acme)).isEqualTo("other");

		this.registrySize.set(3);
		assertThat(this.tags.tag(acme)).isEqualTo("acme");
	}

	@Test
	void boundOfZeroKeepsOnlyListedTenants() {
		TenantTags none = new TenantTags(0, Set.of("big-customer"), () -> 1);

		assertThat(none.tag(tenant("acme"))).isEqualTo("other");
		assertThat(none.tag(tenant("big-customer"))).isEqualTo("big-customer");
	}

	@Test
	void copiesTheListedTenantsAtConstruction() {
		Set<String> listed = new HashSet<>(Set.of("big-customer"));
		TenantTags copied = new TenantTags(0, listed, () -> 10);

		listed.add("acme");

		assertThat(copied.tag(tenant("acme"))).isEqualTo("other");
	}

	static Tenant tenant(String id) {
		return new Tenant(id, Deployment.SERVER, new BaseUrl("https", "jira." + id + ".example", -1, ""), null,
				EnumSet.of(CredentialKind.PAT), null, Map.of(), Plan.DEFAULT, true, null, Set.of());
	}

}
