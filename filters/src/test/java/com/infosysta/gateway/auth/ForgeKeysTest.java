package com.infosysta.gateway.auth;

import java.security.KeyPair;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

import com.infosysta.gateway.auth.CredentialException.Reason;
import com.infosysta.gateway.problem.ProblemType;
import com.infosysta.gateway.tenant.UpstreamAddressRules;

import static com.infosysta.gateway.auth.LifecycleJwtVerifierTest.assertRejected;
import static com.infosysta.gateway.auth.TestTokens.publicKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

final class ForgeKeysTest {

	private static final Duration WINDOW = Duration.ofSeconds(10);

	private static KeyPair first;

	private static KeyPair second;

	private final KeyServer server = new KeyServer();

	private final MutableClock clock = new MutableClock(AuthFixtures.NOW);

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final ForgeKeys keys = new ForgeKeys(KeyFetcher.create(new UpstreamAddressRules(true, true)),
			this.server.jwksUrl(), this.clock, WINDOW, this.meters);

	@BeforeAll
	static void generateKeys() {
		first = TestTokens.rsaKeyPair(2048);
		second = TestTokens.rsaKeyPair(2048);
	}

	ForgeKeysTest() {
		this.server.publishJwks(List.of(jwk(first, "forge-1")));
	}

	@AfterEach
	void stop() {
		this.keys.close();
		this.server.close();
	}

	@Test
	void fetchesTheKeySetOnceForManyLookups() {
		for (int i = 0; i < 100; i++) {
			StepVerifier.create(this.keys.key("forge-1"))
				.assertNext(key -> assertThat(key).isEqualTo(publicKey(first)))
				.expectComplete()
				.verify(Duration.ofSeconds(10));
		}

		assertThat(this.server.requests(KeyServer.JWKS_PATH)).isEqualTo(1);
	}

	@Test
	void picksUpANewKidWithOneRefetch() {
		assertKnown("forge-1");
		this.server.publishJwks(List.of(jwk(first, "forge-1"), jwk(second, "forge-2")));
		this.clock.advance(WINDOW);

		StepVerifier.create(this.keys.key("forge-2"))
			.assertNext(key -> assertThat(key).isEqualTo(publicKey(second)))
			.expectComplete()
			.verify(Duration.ofSeconds(10));
		assertKnown("forge-1");
		assertThat(this.server.requests(KeyServer.JWKS_PATH)).isEqualTo(2);
	}

	@Test
	void keepsTheLastGoodKeysDuringAnOutageAndRejectsUnknownKids() {
		assertKnown("forge-1");
		this.server.outage(true);
		this.clock.advance(WINDOW);

		assertRejected(this.keys.key("forge-unknown"), ProblemType.CREDENTIAL_INVALID, Reason.UNKNOWN_KEY);
		StepVerifier.create(this.keys.key("forge-1"))
			.assertNext(key -> assertThat(key).isEqualTo(publicKey(first)))
			.expectComplete()
			.verify(Duration.ofSeconds(10));
		// The failed fetch is counted when the fetch ends, which may come just after the caller got its answer.
		awaitFetches("failure", 1);
		awaitFetches("success", 1);
		assertThat(this.server.requests(KeyServer.JWKS_PATH)).isEqualTo(2);
	}

	@Test
	void keepsTheLastGoodKeysWhenTheHostAnswersSomethingThatIsNotAKeySet() {
		assertKnown("forge-1");
		this.server.publishJwksBody("<html>maintenance</html>");
		this.clock.advance(WINDOW);

		assertRejected(this.keys.key("forge-unknown"), ProblemType.CREDENTIAL_INVALID, Reason.UNKNOWN_KEY);
		assertKnown("forge-1");
		awaitFetches("failure", 1);
	}

	@Test
	void keepsTheLastGoodKeysWhenTheKeySetIsOverTheSizeCap() {
		assertKnown("forge-1");
		this.server.publishJwksBody("{\"keys\":[],\"padding\":\"" + "x".repeat(KeyFetcher.MAX_BYTES) + "\"}");
		this.clock.advance(WINDOW);

		assertRejected(this.keys.key("forge-unknown"), ProblemType.CREDENTIAL_INVALID, Reason.UNKNOWN_KEY);
		assertKnown("forge-1");
		awaitFetches("failure", 1);
	}

	@Test
	void rejectsUnknownKidWithoutFetchingWhileTheWindowLasts() {
		assertKnown("forge-1");
		this.server.publishJwks(List.of(jwk(first, "forge-1"), jwk(second, "forge-2")));
		this.clock.advance(WINDOW.minusSeconds(1));

		assertRejected(this.keys.key("forge-2"), ProblemType.CREDENTIAL_INVALID, Reason.UNKNOWN_KEY);
		assertThat(this.server.requests(KeyServer.JWKS_PATH)).isEqualTo(1);
	}

	@Test
	void answersAFloodOfRandomKidsWithAtMostAHandfulOfFetches() {
		for (int i = 0; i < 10_000; i++) {
			StepVerifier.create(this.keys.key(UUID.randomUUID().toString()))
				.expectError(CredentialException.class)
				.verify(Duration.ofSeconds(10));
		}

		assertThat(this.server.requests(KeyServer.JWKS_PATH)).isBetween(1, 2);
		assertKnown("forge-1");
	}

	@Test
	void letsConcurrentLookupsOfANewKidShareOneFetch() {
		List<Mono<RSAPublicKey>> lookups = IntStream.range(0, 200).mapToObj(i -> this.keys.key("forge-1")).toList();

		StepVerifier.create(Flux.merge(lookups))
			.expectNextCount(200)
			.expectComplete()
			.verify(Duration.ofSeconds(10));
		assertThat(this.server.requests(KeyServer.JWKS_PATH)).isEqualTo(1);
	}

	@Test
	void rejectsATokenWithoutKidWithoutFetching() {
		assertRejected(this.keys.key(null), ProblemType.CREDENTIAL_INVALID, Reason.UNKNOWN_KEY);
		assertThat(this.server.totalRequests()).isZero();
	}

	@Test
	void refreshesInTheBackgroundUntilClosed() {
		VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();
		this.keys.startRefreshing(scheduler, Duration.ofMinutes(5));
		await().atMost(Duration.ofSeconds(10)).until(() -> this.server.requests(KeyServer.JWKS_PATH) == 1);
		this.server.publishJwks(List.of(jwk(second, "forge-2")));

		scheduler.advanceTimeBy(Duration.ofMinutes(5));

		await().atMost(Duration.ofSeconds(10)).until(() -> this.server.requests(KeyServer.JWKS_PATH) == 2);
		await().atMost(Duration.ofSeconds(10)).until(() -> fetches("success") == 2);
		assertKnown("forge-2");

		this.keys.close();
		scheduler.advanceTimeBy(Duration.ofMinutes(15));

		assertThat(this.server.requests(KeyServer.JWKS_PATH)).isEqualTo(2);
		scheduler.dispose();
	}

	@Test
	void takesOnlyRsaSigningKeysWithAKid() throws Exception {
		ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
		RSAKey encryption = new RSAKey.Builder(publicKey(second)).keyID("enc-1").keyUse(KeyUse.ENCRYPTION).build();
		RSAKey noKid = new RSAKey.Builder(publicKey(second)).build();
		RSAKey noUse = new RSAKey.Builder(publicKey(first)).keyID("plain-1").build();
		String json = new com.nimbusds.jose.jwk.JWKSet(List.of(jwk(first, "forge-1"), ec, encryption, noKid, noUse))
			.toString(true);

		assertThat(ForgeKeys.parseJwks(json)).containsOnlyKeys("forge-1", "plain-1");
	}

	private void assertKnown(String kid) {
		StepVerifier.create(this.keys.key(kid)).expectNextCount(1).expectComplete().verify(Duration.ofSeconds(10));
	}

	static RSAKey jwk(KeyPair pair, String kid) {
		return new RSAKey.Builder(publicKey(pair)).keyID(kid).keyUse(KeyUse.SIGNATURE).build();
	}

	private double fetches(String outcome) {
		return this.meters.get("infosysta.gateway.keys.fetches")
			.tag("source", "forge-jwks")
			.tag("outcome", outcome)
			.counter()
			.count();
	}

	/** Fetch outcomes are counted when the fetch ends, which may come just after the caller got its answer. */
	private void awaitFetches(String outcome, double expected) {
		org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(fetches(outcome)).isEqualTo(expected));
	}

}
