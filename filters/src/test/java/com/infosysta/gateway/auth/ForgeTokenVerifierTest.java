package com.infosysta.gateway.auth;

import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import com.infosysta.gateway.auth.CredentialException.Reason;
import com.infosysta.gateway.problem.ProblemType;
import com.infosysta.gateway.tenant.UpstreamAddressRules;

import static com.infosysta.gateway.auth.AuthFixtures.FORGE_AUDIENCE;
import static com.infosysta.gateway.auth.AuthFixtures.NOW;
import static com.infosysta.gateway.auth.LifecycleJwtVerifierTest.assertRejected;
import static com.infosysta.gateway.auth.TestTokens.date;
import static com.infosysta.gateway.auth.TestTokens.privateKey;
import static com.infosysta.gateway.auth.TestTokens.rs256;
import static org.assertj.core.api.Assertions.assertThat;

final class ForgeTokenVerifierTest {

	private static KeyPair forgeKey;

	private static KeyPair otherKey;

	private final KeyServer server = new KeyServer();

	private final MutableClock clock = new MutableClock(NOW);

	private final ForgeKeys keys = new ForgeKeys(KeyFetcher.create(new UpstreamAddressRules(true, true)),
			this.server.jwksUrl(), this.clock, Duration.ofSeconds(10), new SimpleMeterRegistry());

	private final ForgeTokenVerifier verifier = new ForgeTokenVerifier(this.keys, this.clock, Duration.ofSeconds(30));

	private final AppDefinition app = AuthFixtures.catalog().app(AuthFixtures.APP);

	@BeforeAll
	static void generateKeys() {
		forgeKey = TestTokens.rsaKeyPair(2048);
		otherKey = TestTokens.rsaKeyPair(2048);
	}

	ForgeTokenVerifierTest() {
		this.server.publishJwks(List.of(ForgeKeysTest.jwk(forgeKey, "forge-1")));
	}

	@AfterEach
	void stop() {
		this.keys.close();
		this.server.close();
	}

	@Test
	void acceptsValidInvocationToken() {
		String token = rs256(privateKey(forgeKey), "forge-1", fit().build());

		StepVerifier.create(this.verifier.verify(token, this.app))
			.assertNext(claims -> {
				assertThat(claims.getIssuer()).isEqualTo("forge/invocation-token");
				assertThat(claims.getClaim("principal")).isEqualTo("account-7");
			})
			.expectComplete()
			.verify(Duration.ofSeconds(10));
	}

	@Test
	void acceptsAudienceListThatNamesTheApp() {
		String token = rs256(privateKey(forgeKey), "forge-1", fit().audience(List.of("other", FORGE_AUDIENCE)).build());

		StepVerifier.create(this.verifier.verify(token, this.app))
			.expectNextCount(1)
			.expectComplete()
			.verify(Duration.ofSeconds(10));
	}

	@Test
	void fetchesTheKeySetOnceForManyVerifications() {
		for (int i = 0; i < 50; i++) {
			String token = rs256(privateKey(forgeKey), "forge-1", fit().claim("principal", "account-" + i).build());
			StepVerifier.create(this.verifier.verify(token, this.app))
				.expectNextCount(1)
				.expectComplete()
				.verify(Duration.ofSeconds(10));
		}

		assertThat(this.server.requests(KeyServer.JWKS_PATH)).isEqualTo(1);
	}

	@Test
	void rejectsAnotherIssuer() {
		String token = rs256(privateKey(forgeKey), "forge-1", fit().issuer("forge/other-token").build());

		assertRejected(this.verifier.verify(token, this.app), ProblemType.CREDENTIAL_INVALID, Reason.ISSUER);
	}

	@Test
	void rejectsMissingIssuer() {
		String token = rs256(privateKey(forgeKey), "forge-1", fit().issuer(null).build());

		assertRejected(this.verifier.verify(token, this.app), ProblemType.CREDENTIAL_INVALID, Reason.ISSUER);
	}

	@Test
	void rejectsAnotherAppsAudience() {
		for (String audience : List.of("ari:cloud:ecosystem::app/11111111-2222-4333-8444-555555555555",
				AuthFixtures.FORGE_APP_ID, FORGE_AUDIENCE + "x")) {
			String token = rs256(privateKey(forgeKey), "forge-1", fit().audience(audience).build());

			assertRejected(this.verifier.verify(token, this.app), ProblemType.CREDENTIAL_INVALID, Reason.AUDIENCE);
		}
	}

	@Test
	void rejectsMissingAudience() {
		String token = rs256(privateKey(forgeKey), "forge-1", fit().audience((String) null).build());

		assertRejected(this.verifier.verify(token, this.app), ProblemType.CREDENTIAL_INVALID, Reason.AUDIENCE);
	}

	@Test
	void rejectsExpiredToken() {
		String token = rs256(privateKey(forgeKey), "forge-1", fit().expirationTime(date(NOW.minusSeconds(31))).build());

		assertRejected(this.verifier.verify(token, this.app), ProblemType.CREDENTIAL_EXPIRED, Reason.EXPIRED);
	}

	@Test
	void acceptsTokenExpiredWithinTheLeeway() {
		String token = rs256(privateKey(forgeKey), "forge-1", fit().expirationTime(date(NOW.minusSeconds(29))).build());

		StepVerifier.create(this.verifier.verify(token, this.app))
			.expectNextCount(1)
			.expectComplete()
			.verify(Duration.ofSeconds(10));
	}

	@Test
	void rejectsTokenWithoutExpiry() {
		String token = rs256(privateKey(forgeKey), "forge-1", fit().expirationTime(null).build());

		assertRejected(this.verifier.verify(token, this.app), ProblemType.CREDENTIAL_INVALID, Reason.CLAIMS);
	}

	@Test
	void rejectsHs256TokenWithoutFetchingKeys() {
		String token = TestTokens.signed(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("forge-1").build(),
				fit().build(), TestTokens.macSigner(AuthFixtures.secret(AuthFixtures.randomSecret())));

		assertRejected(this.verifier.verify(token, this.app), ProblemType.CREDENTIAL_INVALID, Reason.ALGORITHM);
		assertThat(this.server.totalRequests()).isZero();
	}

	@Test
	void rejectsUnknownKid() {
		String token = rs256(privateKey(forgeKey), "forge-9", fit().build());

		assertRejected(this.verifier.verify(token, this.app), ProblemType.CREDENTIAL_INVALID, Reason.UNKNOWN_KEY);
	}

	@Test
	void rejectsTokenWithoutKid() {
		String token = rs256(privateKey(forgeKey), null, fit().build());

		assertRejected(this.verifier.verify(token, this.app), ProblemType.CREDENTIAL_INVALID, Reason.UNKNOWN_KEY);
	}

	@Test
	void rejectsTokenSignedWithAnotherKeyUnderAPublishedKid() {
		String token = rs256(privateKey(otherKey), "forge-1", fit().build());

		assertRejected(this.verifier.verify(token, this.app), ProblemType.CREDENTIAL_INVALID, Reason.SIGNATURE);
	}

	@Test
	void rejectsEmbeddedKeyInTheHeader() {
		String token = TestTokens.signed(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("forge-1")
			.jwk(ForgeKeysTest.jwk(otherKey, "forge-1"))
			.build(), fit().build(), new RSASSASigner(privateKey(otherKey)));

		assertRejected(this.verifier.verify(token, this.app), ProblemType.CREDENTIAL_INVALID, Reason.HEADER);
		assertThat(this.server.totalRequests()).isZero();
	}

	@Test
	void refusesForgeTokensForAnAppWithoutForgeId() {
		String token = rs256(privateKey(forgeKey), "forge-1", fit().build());
		AppDefinition jiraOnly = AuthFixtures.catalog().app(AuthFixtures.JIRA_ONLY_APP);

		assertRejected(this.verifier.verify(token, jiraOnly), ProblemType.CREDENTIAL_NOT_ACCEPTED,
				Reason.NOT_ACCEPTED);
	}

	@Test
	void keepsVerifyingWithKnownKeysDuringAKeyHostOutage() {
		String token = rs256(privateKey(forgeKey), "forge-1", fit().build());
		StepVerifier.create(this.verifier.verify(token, this.app)).expectNextCount(1).expectComplete()
			.verify(Duration.ofSeconds(10));
		this.server.outage(true);
		this.clock.advance(Duration.ofSeconds(10));

		assertRejected(this.verifier.verify(rs256(privateKey(forgeKey), "forge-new", fit().build()), this.app),
				ProblemType.CREDENTIAL_INVALID, Reason.UNKNOWN_KEY);
		StepVerifier.create(this.verifier.verify(token, this.app))
			.expectNextCount(1)
			.expectComplete()
			.verify(Duration.ofSeconds(10));
	}

	static JWTClaimsSet.Builder fit() {
		return new JWTClaimsSet.Builder().issuer("forge/invocation-token")
			.audience(FORGE_AUDIENCE)
			.issueTime(date(NOW.minusSeconds(1)))
			.expirationTime(date(NOW.plusSeconds(60)))
			.claim("app", Map.of("id", FORGE_AUDIENCE, "installationId",
					"ari:cloud:ecosystem::installation/3e6c1c2a-7b8d-4e9f-a0b1-c2d3e4f5a6b7", "apiBaseUrl",
					"https://api.atlassian.com/ex/jira/" + AuthFixtures.GLOBEX_CLOUD_ID))
			.claim("context", Map.of("cloudId", AuthFixtures.GLOBEX_CLOUD_ID.toString()))
			.claim("principal", "account-7");
	}

}
