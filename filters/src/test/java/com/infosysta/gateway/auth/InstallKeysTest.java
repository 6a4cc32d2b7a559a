package com.infosysta.gateway.auth;

import java.security.KeyPair;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import com.infosysta.gateway.auth.CredentialException.Reason;
import com.infosysta.gateway.problem.ProblemType;
import com.infosysta.gateway.tenant.UpstreamAddressRules;

import static com.infosysta.gateway.auth.LifecycleJwtVerifierTest.assertRejected;
import static com.infosysta.gateway.auth.LifecycleJwtVerifierTest.rejection;
import static com.infosysta.gateway.auth.TestTokens.publicKey;
import static org.assertj.core.api.Assertions.assertThat;

final class InstallKeysTest {

	private static final Duration WINDOW = Duration.ofSeconds(10);

	private static final String KID = "4d1f6e0a-2b3c-4d5e-8f9a-0b1c2d3e4f5a";

	private static KeyPair installKey;

	private final KeyServer server = new KeyServer();

	private final MutableClock clock = new MutableClock(AuthFixtures.NOW);

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final InstallKeys keys = keys(new UpstreamAddressRules(true, true), this.server.baseUrl());

	@BeforeAll
	static void generateKey() {
		installKey = TestTokens.rsaKeyPair(2048);
	}

	InstallKeysTest() {
		this.server.publishPem(KID, publicKey(installKey));
	}

	@AfterEach
	void stopServer() {
		this.server.close();
	}

	@Test
	void fetchesAKnownKeyOnceThenServesItFromMemory() {
		for (int i = 0; i < 100; i++) {
			StepVerifier.create(this.keys.key(KID))
				.assertNext(key -> assertThat(key).isEqualTo(publicKey(installKey)))
				.expectComplete()
				.verify(Duration.ofSeconds(10));
		}

		assertThat(this.server.requests("/" + KID)).isEqualTo(1);
		assertThat(fetches("success")).isEqualTo(1);
	}

	@Test
	void answersAFloodOfRandomKidsWithAtMostAHandfulOfFetches() {
		for (int i = 0; i < 10_000; i++) {
			StepVerifier.create(this.keys.key(UUID.randomUUID().toString()))
				.expectError(CredentialException.class)
				.verify(Duration.ofSeconds(10));
		}

		assertThat(this.server.totalRequests()).isBetween(1, 2);
	}

	@Test
	void allowsOneMoreFetchOnceTheWindowHasPassed() {
		rejection(this.keys.key(UUID.randomUUID().toString()));
		this.clock.advance(WINDOW.minusSeconds(1));
		rejection(this.keys.key(UUID.randomUUID().toString()));

		assertThat(this.server.totalRequests()).isEqualTo(1);

		this.clock.advance(Duration.ofSeconds(1));
		rejection(this.keys.key(UUID.randomUUID().toString()));
		rejection(this.keys.key(UUID.randomUUID().toString()));

		assertThat(this.server.totalRequests()).isEqualTo(2);
	}

	@Test
	void stillServesKnownKeysDuringTheWindow() {
		rejection(this.keys.key(UUID.randomUUID().toString()));
		this.clock.advance(WINDOW);
		StepVerifier.create(this.keys.key(KID)).expectNextCount(1).expectComplete().verify(Duration.ofSeconds(10));
		rejection(this.keys.key(UUID.randomUUID().toString()));

		StepVerifier.create(this.keys.key(KID)).expectNextCount(1).expectComplete().verify(Duration.ofSeconds(10));
		assertThat(this.server.totalRequests()).isEqualTo(2);
	}

	@Test
	void findsAKeyPublishedAfterAnEarlierMissOnceTheWindowHasPassed() {
		String kid = UUID.randomUUID().toString();
		rejection(this.keys.key(kid));
		KeyPair rotated = TestTokens.rsaKeyPair(2048);
		this.server.publishPem(kid, publicKey(rotated));

		this.clock.advance(WINDOW);

		StepVerifier.create(this.keys.key(kid))
			.assertNext(key -> assertThat(key).isEqualTo(publicKey(rotated)))
			.expectComplete()
			.verify(Duration.ofSeconds(10));
	}

	@Test
	void letsConcurrentLookupsOfANewKidShareOneFetch() {
		// Two sites installing at once right after Atlassian rotated its key: both must get the key.
		List<Mono<RSAPublicKey>> lookups = List.of(this.keys.key(KID), this.keys.key(KID));

		StepVerifier.create(Flux.merge(lookups))
			.expectNextCount(2)
			.expectComplete()
			.verify(Duration.ofSeconds(10));
		assertThat(this.server.requests("/" + KID)).isEqualTo(1);
	}

	@Test
	void reportsAKidTheKeyHostDoesNotKnowAsUnknownKey() {
		// A 404 says the key does not exist; KEY_UNAVAILABLE is for a key host that cannot answer.
		assertRejected(this.keys.key(UUID.randomUUID().toString()), ProblemType.CREDENTIAL_INVALID,
				Reason.UNKNOWN_KEY);
	}

	@Test
	void reportsAnOutageAsKeyUnavailableAndCountsTheFailedFetch() {
		this.server.outage(true);

		assertRejected(this.keys.key(KID), ProblemType.CREDENTIAL_INVALID, Reason.KEY_UNAVAILABLE);
		// The failed fetch is counted as the fetch ends, which may come just after the caller got its answer.
		org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(fetches("failure")).isEqualTo(1));
		assertThat(fetches("success")).isZero();
	}

	@Test
	void keepsAKeyFetchedBeforeAnOutage() {
		StepVerifier.create(this.keys.key(KID)).expectNextCount(1).expectComplete().verify(Duration.ofSeconds(10));
		this.server.outage(true);

		StepVerifier.create(this.keys.key(KID)).expectNextCount(1).expectComplete().verify(Duration.ofSeconds(10));
		assertThat(this.server.totalRequests()).isEqualTo(1);
	}

	@Test
	void refusesAnAnswerThatIsNotAPemPublicKey() {
		this.server.publishBody(KID, "<html>maintenance</html>");

		assertRejected(this.keys.key(KID), ProblemType.CREDENTIAL_INVALID, Reason.KEY_UNAVAILABLE);
	}

	@Test
	void refusesAnRsaKeyShorterThan2048Bits() {
		this.server.publishPem(KID, (RSAPublicKey) TestTokens.rsaKeyPair(1024).getPublic());

		assertRejected(this.keys.key(KID), ProblemType.CREDENTIAL_INVALID, Reason.KEY_UNAVAILABLE);
	}

	@Test
	void refusesAKeyHostThatResolvesToAPrivateAddressUnderStrictRules() {
		InstallKeys strict = keys(UpstreamAddressRules.STRICT, "http://localhost:" + this.server.baseUrl()
			.substring(this.server.baseUrl().lastIndexOf(':') + 1));

		assertRejected(strict.key(KID), ProblemType.CREDENTIAL_INVALID, Reason.KEY_UNAVAILABLE);
		assertThat(this.server.totalRequests()).isZero();
	}

	@ParameterizedTest
	@ValueSource(strings = { "4d1f6e0a-2b3c-4d5e-8f9a-0b1c2d3e4f5a", "connect/prod/key-1", "key_1.pem" })
	void takesKidsThatAreSafeInAUrl(String kid) {
		assertThat(InstallKeys.isPlausibleKid(kid)).isTrue();
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "..", "../x", "a/../b", "a/..", "/abs", "trailing/", "%2e%2e", "a%2fb", "http://evil/",
			"a?b", "a#b", "a b", "a\\b", "\u00e9", "a\nb" })
	void refusesKidsThatAreNotSafeInAUrl(String kid) {
		assertThat(InstallKeys.isPlausibleKid(kid)).isFalse();
	}

	@Test
	void refusesOverlongAndMissingKids() {
		assertThat(InstallKeys.isPlausibleKid("k".repeat(129))).isFalse();
		assertThat(InstallKeys.isPlausibleKid("k".repeat(128))).isTrue();
		assertThat(InstallKeys.isPlausibleKid(null)).isFalse();
	}

	private InstallKeys keys(UpstreamAddressRules rules, String baseUrl) {
		return new InstallKeys(KeyFetcher.create(rules), baseUrl, this.clock, WINDOW, this.meters);
	}

	private double fetches(String outcome) {
		return this.meters.get("infosysta.gateway.keys.fetches")
			.tag("source", "connect-install")
			.tag("outcome", outcome)
			.counter()
			.count();
	}

}
