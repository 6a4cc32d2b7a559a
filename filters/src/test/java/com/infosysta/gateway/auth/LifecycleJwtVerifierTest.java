package com.infosysta.gateway.auth;

import java.security.KeyPair;
import java.time.Duration;
import java.util.List;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import com.infosysta.gateway.auth.ConnectJwtVerifier.BoundRequest;
import com.infosysta.gateway.auth.CredentialException.Reason;
import com.infosysta.gateway.problem.ProblemType;
import com.infosysta.gateway.tenant.UpstreamAddressRules;

import static com.infosysta.gateway.auth.AuthFixtures.APP;
import static com.infosysta.gateway.auth.AuthFixtures.NOW;
import static com.infosysta.gateway.auth.AuthFixtures.PUBLIC_BASE_URL;
import static com.infosysta.gateway.auth.TestTokens.date;
import static com.infosysta.gateway.auth.TestTokens.privateKey;
import static com.infosysta.gateway.auth.TestTokens.publicKey;
import static com.infosysta.gateway.auth.TestTokens.rs256;
import static org.assertj.core.api.Assertions.assertThat;

final class LifecycleJwtVerifierTest {

	private static final String BASE = "/apps/" + APP;

	private static final BoundRequest INSTALLED = new BoundRequest("POST", BASE + "/installed", BASE, null);

	private static final BoundRequest UNINSTALLED = new BoundRequest("POST", BASE + "/uninstalled", BASE, null);

	private static final String KID = "4d1f6e0a-2b3c-4d5e-8f9a-0b1c2d3e4f5a";

	private static KeyPair installKey;

	private static KeyPair otherKey;

	private final KeyServer server = new KeyServer();

	private final MutableClock clock = new MutableClock(NOW);

	private final AppDefinition app = AuthFixtures.catalog().app(APP);

	private final LifecycleJwtVerifier verifier = new LifecycleJwtVerifier(
			new InstallKeys(KeyFetcher.create(new UpstreamAddressRules(true, true)), this.server.baseUrl(), this.clock,
					Duration.ofSeconds(10), new SimpleMeterRegistry()),
			this.clock, Duration.ofSeconds(30));

	@BeforeAll
	static void generateKeys() {
		installKey = TestTokens.rsaKeyPair(2048);
		otherKey = TestTokens.rsaKeyPair(2048);
	}

	LifecycleJwtVerifierTest() {
		this.server.publishPem(KID, publicKey(installKey));
	}

	@AfterEach
	void stopServer() {
		this.server.close();
	}

	@Test
	void acceptsInstallTokenSignedWithThePublishedKey() {
		String token = rs256(privateKey(installKey), KID, claims(INSTALLED).build());

		StepVerifier.create(this.verifier.verify(token, this.app, INSTALLED))
			.assertNext(claims -> assertThat(claims.getIssuer()).isEqualTo("newco-key"))
			.expectComplete()
			.verify(Duration.ofSeconds(10));
		assertThat(this.server.requests("/" + KID)).isEqualTo(1);
	}

	@Test
	void acceptsAudienceWithATrailingSlash() {
		String token = rs256(privateKey(installKey), KID, claims(INSTALLED).audience(PUBLIC_BASE_URL + "/").build());

		StepVerifier.create(this.verifier.verify(token, this.app, INSTALLED))
			.expectNextCount(1)
			.expectComplete()
			.verify(Duration.ofSeconds(10));
	}

	@Test
	void acceptsUninstallTokenBoundToUninstalled() {
		String token = rs256(privateKey(installKey), KID, claims(UNINSTALLED).build());

		StepVerifier.create(this.verifier.verify(token, this.app, UNINSTALLED))
			.expectNextCount(1)
			.expectComplete()
			.verify(Duration.ofSeconds(10));
	}

	@Test
	void rejectsHs256TokenOnTheLifecyclePathWithoutFetchingAKey() {
		String token = TestTokens.hs256(AuthFixtures.secret(AuthFixtures.ACME_SECRET),
				claims(INSTALLED).issuer("acme-key").build());

		assertRejected(this.verifier.verify(token, this.app, INSTALLED), ProblemType.CREDENTIAL_INVALID,
				Reason.ALGORITHM);
		assertThat(this.server.totalRequests()).isZero();
	}

	@Test
	void rejectsHs256TokenKeyedWithThePublishedPublicKeyPem() {
		byte[] pem = TestTokens.bytes(KeyServer.pem(publicKey(installKey)));
		String token = TestTokens.signed(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(KID).build(),
				claims(INSTALLED).build(), TestTokens.macSigner(pem));

		assertRejected(this.verifier.verify(token, this.app, INSTALLED), ProblemType.CREDENTIAL_INVALID,
				Reason.ALGORITHM);
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://apps.infosysta.example/other", "https://apps.infosysta.example/outlook-evil",
			"https://evil.example/outlook", "https://apps.infosysta.example" })
	void rejectsTokenForAnotherAudience(String audience) {
		String token = rs256(privateKey(installKey), KID, claims(INSTALLED).audience(audience).build());

		assertRejected(this.verifier.verify(token, this.app, INSTALLED), ProblemType.CREDENTIAL_INVALID,
				Reason.AUDIENCE);
	}

	@Test
	void rejectsTokenWithoutAudience() {
		String token = rs256(privateKey(installKey), KID, claims(INSTALLED).audience((String) null).build());

		assertRejected(this.verifier.verify(token, this.app, INSTALLED), ProblemType.CREDENTIAL_INVALID,
				Reason.AUDIENCE);
	}

	@Test
	void rejectsLifecycleCallsForAnAppWithoutPublicBaseUrl() {
		String token = rs256(privateKey(installKey), KID, claims(INSTALLED).build());
		AppDefinition jiraOnly = AuthFixtures.catalog().app(AuthFixtures.JIRA_ONLY_APP);

		assertRejected(this.verifier.verify(token, jiraOnly, INSTALLED), ProblemType.CREDENTIAL_INVALID,
				Reason.AUDIENCE);
	}

	@Test
	void rejectsInstalledTokenReplayedOnUninstalled() {
		String token = rs256(privateKey(installKey), KID, claims(INSTALLED).build());

		assertRejected(this.verifier.verify(token, this.app, UNINSTALLED), ProblemType.QSH_MISMATCH, Reason.QSH);
	}

	@Test
	void rejectsContextQshOnTheLifecyclePath() {
		String token = rs256(privateKey(installKey), KID, claims(INSTALLED).claim("qsh", "context-qsh").build());

		assertRejected(this.verifier.verify(token, this.app, INSTALLED), ProblemType.QSH_MISMATCH, Reason.QSH);
	}

	@Test
	void rejectsUnknownKidWith401AfterOneFetch() {
		String kid = "9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6b";
		String token = rs256(privateKey(installKey), kid, claims(INSTALLED).build());

		CredentialException rejection = rejection(this.verifier.verify(token, this.app, INSTALLED));

		assertThat(rejection.problemType().status().value()).isEqualTo(401);
		assertThat(this.server.requests("/" + kid)).isEqualTo(1);
		assertThat(this.server.totalRequests()).isEqualTo(1);
	}

	@ParameterizedTest
	@ValueSource(strings = { "../../etc/passwd", "a/../b", "%2e%2e", "http://evil/", "..", "/etc/passwd",
			"a\\..\\b", "kid?x=1", "kid#x", "a b", "k\u0131d", "" })
	void rejectsKidThatCouldLeaveTheKeyPathWithoutAskingTheKeyHost(String kid) {
		String token = TestTokens.signed(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).build(),
				claims(INSTALLED).build(), new RSASSASigner(privateKey(installKey)));

		assertRejected(this.verifier.verify(token, this.app, INSTALLED), ProblemType.CREDENTIAL_INVALID,
				Reason.UNKNOWN_KEY);
		assertThat(this.server.totalRequests()).isZero();
	}

	@Test
	void rejectsTokenWithoutKidWithoutAskingTheKeyHost() {
		String token = rs256(privateKey(installKey), null, claims(INSTALLED).build());

		assertRejected(this.verifier.verify(token, this.app, INSTALLED), ProblemType.CREDENTIAL_INVALID,
				Reason.UNKNOWN_KEY);
		assertThat(this.server.totalRequests()).isZero();
	}

	@Test
	void answersKeyHostOutageWithKeyUnavailable() {
		this.server.outage(true);
		String token = rs256(privateKey(installKey), KID, claims(INSTALLED).build());

		assertRejected(this.verifier.verify(token, this.app, INSTALLED), ProblemType.CREDENTIAL_INVALID,
				Reason.KEY_UNAVAILABLE);
		assertThat(this.server.requests("/" + KID)).isEqualTo(1);
	}

	@Test
	void rejectsTokenSignedWithAKeyTheHostDoesNotPublishUnderThatKid() {
		String token = rs256(privateKey(otherKey), KID, claims(INSTALLED).build());

		assertRejected(this.verifier.verify(token, this.app, INSTALLED), ProblemType.CREDENTIAL_INVALID,
				Reason.SIGNATURE);
	}

	@Test
	void rejectsKeysOrKeyUrlsCarriedInTheHeaderWithoutAskingAnyHost() {
		RSAKey attacker = new RSAKey.Builder(publicKey(otherKey)).keyID(KID).build();
		List<JWSHeader> headers = List.of(
				new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(KID).jwk(attacker).build(),
				new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(KID)
					.jwkURL(java.net.URI.create(this.server.baseUrl() + "/attacker-jwks.json"))
					.build(),
				new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(KID)
					.x509CertURL(java.net.URI.create(this.server.baseUrl() + "/attacker.pem"))
					.build());

		for (JWSHeader header : headers) {
			String token = TestTokens.signed(header, claims(INSTALLED).build(), new RSASSASigner(privateKey(otherKey)));

			assertRejected(this.verifier.verify(token, this.app, INSTALLED), ProblemType.CREDENTIAL_INVALID,
					Reason.HEADER);
		}
		assertThat(this.server.totalRequests()).isZero();
	}

	@Test
	void rejectsExpiredLifecycleToken() {
		String token = rs256(privateKey(installKey), KID, claims(INSTALLED).issueTime(date(NOW.minusSeconds(600)))
			.expirationTime(date(NOW.minusSeconds(31)))
			.build());

		assertRejected(this.verifier.verify(token, this.app, INSTALLED), ProblemType.CREDENTIAL_EXPIRED,
				Reason.EXPIRED);
	}

	@Test
	void rejectsLifecycleTokenWithoutIssueTimeOrIssuer() {
		for (JWTClaimsSet claims : List.of(claims(INSTALLED).issueTime(null).build(),
				claims(INSTALLED).issuer(null).build())) {
			String token = rs256(privateKey(installKey), KID, claims);

			assertRejected(this.verifier.verify(token, this.app, INSTALLED), ProblemType.CREDENTIAL_INVALID,
					Reason.CLAIMS);
		}
	}

	@Test
	void rejectsTypeOtherThanJwt() {
		String token = TestTokens.signed(
				new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(KID).type(new JOSEObjectType("at+jwt")).build(),
				claims(INSTALLED).build(), new RSASSASigner(privateKey(installKey)));

		assertRejected(this.verifier.verify(token, this.app, INSTALLED), ProblemType.CREDENTIAL_INVALID,
				Reason.HEADER);
	}

	static JWTClaimsSet.Builder claims(BoundRequest request) {
		return new JWTClaimsSet.Builder().issuer("newco-key")
			.audience(PUBLIC_BASE_URL)
			.issueTime(date(NOW.minusSeconds(2)))
			.expirationTime(date(NOW.plusSeconds(178)))
			.claim("qsh", ConnectJwtVerifierTest.qsh(request));
	}

	static CredentialException rejection(Mono<?> verification) {
		CredentialException[] rejection = new CredentialException[1];
		StepVerifier.create(verification)
			.expectErrorSatisfies(error -> rejection[0] = (CredentialException) error)
			.verify(Duration.ofSeconds(10));
		return rejection[0];
	}

	static void assertRejected(Mono<?> verification, ProblemType type, Reason reason) {
		ConnectJwtVerifierTest.assertRejected(rejection(verification), type, reason);
	}

}
