package com.infosysta.gateway.auth;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import static com.infosysta.gateway.auth.AuthFixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

final class SubjectKeysTest {

	private final String secret = AuthFixtures.randomSecret();

	private final SubjectKeys keys = new SubjectKeys(secret(this.secret));

	@Test
	void refusesASecretShorterThan32BytesNamingTheProperty() {
		assertThatIllegalArgumentException().isThrownBy(() -> new SubjectKeys(new byte[31]))
			.withMessageStartingWith("infosysta.gateway.subject-key-secret: 31 bytes")
			.withMessageContaining("at least 32");
	}

	@Test
	void takesASecretOfExactly32Bytes() {
		assertThat(new SubjectKeys(new byte[32]).of("scope", "identity")).isNotBlank();
	}

	@Test
	void givesTheSameKeyForTheSameIdentityOnEveryReplica() {
		SubjectKeys otherReplica = new SubjectKeys(secret(this.secret));

		assertThat(otherReplica.of("acme:basic", "jane")).isEqualTo(this.keys.of("acme:basic", "jane"));
	}

	@Test
	void givesDifferentKeysForDifferentIdentitiesScopesAndSecrets() {
		String key = this.keys.of("acme:basic", "jane");

		assertThat(this.keys.of("acme:basic", "john")).isNotEqualTo(key);
		assertThat(this.keys.of("globex:basic", "jane")).isNotEqualTo(key);
		assertThat(this.keys.of("acme:pat", "jane")).isNotEqualTo(key);
		assertThat(new SubjectKeys(secret(AuthFixtures.randomSecret())).of("acme:basic", "jane")).isNotEqualTo(key);
	}

	@Test
	void keepsScopeAndIdentityApart() {
		assertThat(this.keys.of("acme", "xjane")).isNotEqualTo(this.keys.of("acmex", "jane"));
	}

	@Test
	void isA128BitBase64urlValueThatDoesNotShowTheIdentity() {
		String key = this.keys.of("acme:basic", "jane.doe@acme.example");

		assertThat(key).hasSize(22).matches("[A-Za-z0-9_-]{22}").doesNotContain("jane");
	}

	@Test
	void givesTheSameKeysFromManyThreadsAtOnce() {
		List<String> identities = IntStream.range(0, 2_000).mapToObj(i -> "user-" + i).toList();
		List<String> sequential = identities.stream().map(id -> this.keys.of("acme:basic", id)).toList();

		List<String> parallel = identities.parallelStream().map(id -> this.keys.of("acme:basic", id)).toList();

		assertThat(parallel).isEqualTo(sequential);
		Set<String> distinct = sequential.stream().collect(Collectors.toSet());
		assertThat(distinct).hasSize(identities.size());
	}

}
