package com.infosysta.gateway.tenant;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

final class ReloadingTenantRegistryTest {

	private static final String ONE_TENANT = """
			tenants:
			  - id: acme
			    deployment: server
			    base-url: https://jira.acme.example
			""";

	private static final String TWO_TENANTS = ONE_TENANT + """
			  - id: beta
			    deployment: server
			    base-url: https://jira.beta.example
			""";

	private static final String BROKEN = ONE_TENANT + """
			  - id: beta
			    deployment: server
			    base-url: http://jira.beta.example
			""";

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final RegistryFileParser parser = new RegistryFileParser(UpstreamAddressRules.STRICT);

	private ReloadingTenantRegistry registry;

	private Scheduler scheduler;

	@TempDir
	Path dir;

	@AfterEach
	void closeRegistryAndScheduler() {
		if (this.registry != null) {
			this.registry.close();
		}
		if (this.scheduler != null) {
			this.scheduler.dispose();
		}
	}

	@Test
	void refusesToStartWithBadFile() throws IOException {
		Path file = write(BROKEN);

		assertThatExceptionOfType(RegistryException.class)
			.isThrownBy(() -> new ReloadingTenantRegistry(file, this.parser, this.meters))
			.withMessageContaining("tenants[1] (id 'beta'): base-url:");
	}

	@Test
	void refusesToStartWithoutFile() {
		Path missing = this.dir.resolve("absent.yml");

		assertThatExceptionOfType(RegistryException.class)
			.isThrownBy(() -> new ReloadingTenantRegistry(missing, this.parser, this.meters))
			.withMessageContaining(missing.toString());
	}

	@Test
	void loadsFileAtStartAndPublishesTenantCount() throws IOException {
		this.registry = new ReloadingTenantRegistry(write(TWO_TENANTS), this.parser, this.meters);

		assertThat(this.registry.tenant("beta")).isNotNull();
		assertThat(this.meters.get("infosysta.gateway.registry.tenants").gauge().value()).isEqualTo(2);
	}

	@Test
	void picksUpChangedContent() throws IOException {
		Path file = write(ONE_TENANT);
		this.registry = new ReloadingTenantRegistry(file, this.parser, this.meters);
		assertThat(this.registry.tenant("beta")).isNull();

		Files.writeString(file, TWO_TENANTS);
		this.registry.poll();

		assertThat(this.registry.tenant("beta")).isNotNull();
		assertThat(this.registry.current().contentHash())
			.isEqualTo(RegistryFileParser.sha256(Files.readAllBytes(file)));
		assertThat(reloads("success")).isEqualTo(1);
		assertThat(reloads("failure")).isZero();
		assertThat(this.meters.get("infosysta.gateway.registry.tenants").gauge().value()).isEqualTo(2);
	}

	@Test
	void doesNotReparseUnchangedFile() throws IOException {
		Path file = write(ONE_TENANT);
		this.registry = new ReloadingTenantRegistry(file, this.parser, this.meters);
		Registry first = this.registry.current();

		this.registry.poll();
		Files.writeString(file, ONE_TENANT);
		this.registry.poll();

		assertThat(this.registry.current()).isSameAs(first);
		assertThat(reloads("success")).isZero();
		assertThat(reloads("failure")).isZero();
	}

	@Test
	void keepsPreviousVersionOnBrokenEditAndCountsItOnce() throws IOException {
		Path file = write(ONE_TENANT);
		this.registry = new ReloadingTenantRegistry(file, this.parser, this.meters);
		Registry first = this.registry.current();

		Files.writeString(file, BROKEN);
		this.registry.poll();
		this.registry.poll();
		this.registry.poll();

		assertThat(this.registry.current()).isSameAs(first);
		assertThat(reloads("failure")).isEqualTo(1);
		assertThat(reloads("success")).isZero();
	}

	@Test
	void loadsFixedEditAfterBrokenOne() throws IOException {
		Path file = write(ONE_TENANT);
		this.registry = new ReloadingTenantRegistry(file, this.parser, this.meters);
		Files.writeString(file, BROKEN);
		this.registry.poll();

		Files.writeString(file, TWO_TENANTS);
		this.registry.poll();

		assertThat(this.registry.tenant("beta")).isNotNull();
		assertThat(reloads("failure")).isEqualTo(1);
		assertThat(reloads("success")).isEqualTo(1);
	}

	@Test
	void countsEachDistinctBrokenVersion() throws IOException {
		Path file = write(ONE_TENANT);
		this.registry = new ReloadingTenantRegistry(file, this.parser, this.meters);

		Files.writeString(file, BROKEN);
		this.registry.poll();
		Files.writeString(file, "tenants: [");
		this.registry.poll();
		this.registry.poll();

		assertThat(reloads("failure")).isEqualTo(2);
		assertThat(this.registry.tenant("acme")).isNotNull();
	}

	@Test
	void keepsLastVersionWhenFileIsDeleted() throws IOException {
		Path file = write(TWO_TENANTS);
		this.registry = new ReloadingTenantRegistry(file, this.parser, this.meters);
		Registry loaded = this.registry.current();

		Files.delete(file);
		this.registry.poll();
		this.registry.poll();

		assertThat(this.registry.current()).isSameAs(loaded);
		assertThat(reloads("failure")).isEqualTo(1);

		Files.writeString(file, ONE_TENANT);
		this.registry.poll();

		assertThat(this.registry.tenant("beta")).isNull();
		assertThat(this.registry.tenant("acme")).isNotNull();
	}

	@Test
	void picksUpKubernetesSymlinkSwap() throws IOException {
		Path first = Files.createDirectory(this.dir.resolve("..2026_a"));
		Files.writeString(first.resolve("registry.yml"), ONE_TENANT);
		Path data = Files.createSymbolicLink(this.dir.resolve("..data"), first.getFileName());
		Path file = Files.createSymbolicLink(this.dir.resolve("registry.yml"), Path.of("..data", "registry.yml"));
		this.registry = new ReloadingTenantRegistry(file, this.parser, this.meters);
		assertThat(this.registry.tenant("beta")).isNull();

		Path second = Files.createDirectory(this.dir.resolve("..2026_b"));
		Files.writeString(second.resolve("registry.yml"), TWO_TENANTS);
		Path tmp = Files.createSymbolicLink(this.dir.resolve("..data_tmp"), second.getFileName());
		Files.move(tmp, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		this.registry.poll();

		assertThat(Files.readSymbolicLink(data)).isEqualTo(second.getFileName());
		assertThat(this.registry.tenant("beta")).isNotNull();
		assertThat(reloads("success")).isEqualTo(1);
	}

	@Test
	void picksUpChangeWhenPollingOnScheduler() throws IOException {
		Path file = write(ONE_TENANT);
		this.registry = new ReloadingTenantRegistry(file, this.parser, this.meters);
		this.scheduler = Schedulers.newBoundedElastic(1, 4, "t");
		this.registry.startPolling(this.scheduler, Duration.ofMillis(50));

		// Atomic replace, so the poller never reads a half-written file.
		Path next = Files.writeString(this.dir.resolve("registry.yml.tmp"), TWO_TENANTS);
		Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(this.registry.tenant("beta")).isNotNull());
		assertThat(reloads("success")).isEqualTo(1);
	}

	@Test
	void reloadFailingGaugeIsOneOnlyWhileTheFileHoldsARefusedVersion() throws IOException {
		Path file = write(ONE_TENANT);
		this.registry = new ReloadingTenantRegistry(file, this.parser, this.meters);
		assertThat(failing()).isZero();

		Files.writeString(file, BROKEN);
		this.registry.poll();
		assertThat(failing()).isEqualTo(1);
		this.registry.poll();
		assertThat(failing()).isEqualTo(1);

		// Back to the version in force: nothing is refused any more.
		Files.writeString(file, ONE_TENANT);
		this.registry.poll();
		assertThat(failing()).isZero();

		Files.writeString(file, BROKEN);
		this.registry.poll();
		assertThat(failing()).isEqualTo(1);
		Files.writeString(file, TWO_TENANTS);
		this.registry.poll();
		assertThat(failing()).isZero();
		assertThat(this.registry.tenant("beta")).isNotNull();
	}

	@Test
	void reloadFailingGaugeIsOneWhileTheFileCannotBeRead() throws IOException {
		Path file = write(ONE_TENANT);
		this.registry = new ReloadingTenantRegistry(file, this.parser, this.meters);

		Files.delete(file);
		this.registry.poll();
		assertThat(failing()).isEqualTo(1);

		Files.writeString(file, ONE_TENANT);
		this.registry.poll();
		assertThat(failing()).isZero();
	}

	@Test
	void infoGaugeCarriesTheStartOfTheContentHashInForce() throws IOException {
		Path file = write(ONE_TENANT);
		this.registry = new ReloadingTenantRegistry(file, this.parser, this.meters);
		String first = RegistryFileParser.sha256(Files.readAllBytes(file)).substring(0, 12);

		assertThat(infoHashes()).containsExactly(first);
		assertThat(first).matches("[0-9a-f]{12}");
		assertThat(this.meters.get("infosysta.gateway.registry.info").tag("hash", first).gauge().value()).isEqualTo(1);

		Files.writeString(file, BROKEN);
		this.registry.poll();
		assertThat(infoHashes()).as("a refused version is not in force").containsExactly(first);

		Files.writeString(file, TWO_TENANTS);
		this.registry.poll();
		String second = RegistryFileParser.sha256(Files.readAllBytes(file)).substring(0, 12);

		assertThat(second).isNotEqualTo(first);
		assertThat(infoHashes()).as("one series: the old hash is removed").containsExactly(second);
		assertThat(this.meters.get("infosysta.gateway.registry.info").gauge().value()).isEqualTo(1);
	}

	private double failing() {
		return this.meters.get("infosysta.gateway.registry.reload.failing").gauge().value();
	}

	private List<String> infoHashes() {
		return this.meters.find("infosysta.gateway.registry.info").gauges().stream()
			.map(gauge -> gauge.getId().getTag("hash"))
			.toList();
	}

	private Path write(String content) throws IOException {
		return Files.writeString(this.dir.resolve("registry.yml"), content);
	}

	private double reloads(String outcome) {
		return this.meters.get("infosysta.gateway.registry.reloads").tag("outcome", outcome).counter().count();
	}

}
