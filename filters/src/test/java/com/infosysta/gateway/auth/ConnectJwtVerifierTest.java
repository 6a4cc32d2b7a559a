package com.infosysta.gateway.auth;

import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.stream.Stream;

import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import com.infosysta.gateway.auth.ConnectJwtVerifier.BoundRequest;
import com.infosysta.gateway.auth.ConnectJwtVerifier.Verified;
import com.infosysta.gateway.auth.CredentialException.Reason;
import com.infosysta.gateway.connect.CanonicalRequest;
import com.infosysta.gateway.problem.ProblemType;
import com.infosysta.gateway.tenant.Registry;
import com.infosysta.gateway.tenant.TenantRegistry;

import static com.infosysta.gateway.auth.AuthFixtures.ACME_SECRET;
import static com.infosysta.gateway.auth.AuthFixtures.APP;
import static com.infosysta.gateway.auth.AuthFixtures.INITECH_SECRET;
import static com.infosysta.gateway.auth.AuthFixtures.NOW;
import static com.infosysta.gateway.auth.AuthFixtures.secret;
import static com.infosysta.gateway.auth.TestTokens.b64url;
import static com.infosysta.gateway.auth.TestTokens.date;
import static com.infosysta.gateway.auth.TestTokens.hs256;
import static com.infosysta.gateway.auth.TestTokens.rawHmac;
import static com.infosysta.gateway.auth.TestTokens.rawHs256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

final class ConnectJwtVerifierTest {

	private static final String BASE = "/apps/" + APP;

	private static final BoundRequest WEBHOOK = new BoundRequest("POST", BASE + "/webhook", BASE,
			"issue=ABC-1&fields=summary,status");

	private static final Duration LEEWAY = Duration.ofSeconds(30);

	private final ConnectJwtVerifier verifier = new ConnectJwtVerifier(AuthFixtures.tenants(),
			Clock.fixed(NOW, ZoneOffset.UTC), LEEWAY);

	// --- accepted -------------------------------------------------------------------------------------------

	@Test
	void acceptsValidTokenAndNamesItsTenantClientKeyAndSubject() throws CredentialException {
		Verified verified = this.verifier.verify(acmeToken(WEBHOOK), APP, WEBHOOK, false);

		assertThat(verified.tenant().id()).isEqualTo("acme");
		assertThat(verified.clientKey()).isEqualTo("acme-key");
		assertThat(verified.subject()).isEqualTo("account-1");
		assertThat(verified.secrets()).isEqualTo(verified.tenant().apps().get(APP));
	}

	@Test
	void usesTheIssuerAsSubjectWhenTheTokenNamesNoUser() throws CredentialException {
		String token = hs256(secret(ACME_SECRET), claims(WEBHOOK).subject(null).build());

		assertThat(this.verifier.verify(token, APP, WEBHOOK, false).subject()).isEqualTo("acme-key");
	}

	@Test
	void leavesTheJwtParameterOutOfTheQueryStringHash() throws CredentialException {
		String token = acmeToken(WEBHOOK);
		BoundRequest withToken = new BoundRequest("POST", BASE + "/webhook", BASE,
				WEBHOOK.rawQuery() + "&jwt=" + token);

		assertThat(this.verifier.verify(token, APP, withToken, false).tenant().id()).isEqualTo("acme");
	}

	@Test
	void acceptsEitherSharedSecretDuringRotation() throws CredentialException {
		String newSecret = AuthFixtures.randomSecret();
		String oldSecret = AuthFixtures.randomSecret();
		ConnectJwtVerifier rotating = verifierFor("[\"" + newSecret + "\", \"" + oldSecret + "\"]");

		String signedWithNew = hs256(secret(newSecret), claims(WEBHOOK).build());
		String signedWithOld = hs256(secret(oldSecret), claims(WEBHOOK).build());

		assertThat(rotating.verify(signedWithNew, APP, WEBHOOK, false).tenant().id()).isEqualTo("acme");
		assertThat(rotating.verify(signedWithOld, APP, WEBHOOK, false).tenant().id()).isEqualTo("acme");
	}

	@Test
	void rejectsASecretThatIsNeitherOfTheRotatingPair() {
		ConnectJwtVerifier rotating = verifierFor("[\"" + AuthFixtures.randomSecret() + "\", \""
				+ AuthFixtures.randomSecret() + "\"]");

		CredentialException rejection = rejection(rotating, acmeToken(WEBHOOK), WEBHOOK, false);

		assertRejected(rejection, ProblemType.CREDENTIAL_INVALID, Reason.SIGNATURE);
	}

	// --- algorithm ------------------------------------------------------------------------------------------

	static Stream<String> unsignedTokens() {
		String payload = b64url(payloadJson("acme-key"));
		return Stream.of("none", "None", "NONE", "nOnE").flatMap(alg -> {
			String header = b64url("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}");
			return Stream.of(header + "." + payload + ".", header + "." + payload,
					header + "." + payload + "." + b64url("not a signature"));
		});
	}

	@ParameterizedTest
	@MethodSource("unsignedTokens")
	void rejectsUnsignedTokensInEveryCaseAndShape(String token) {
		CredentialException rejection = rejection(token, WEBHOOK);

		assertThat(rejection.problemType()).isEqualTo(ProblemType.CREDENTIAL_INVALID);
		assertThat(rejection.reason()).isIn(Reason.MALFORMED, Reason.ALGORITHM);
	}

	@ParameterizedTest
	@ValueSource(strings = { "HS384:HmacSHA384", "HS512:HmacSHA512" })
	void rejectsOtherHmacAlgorithmsEvenWithTheRightSecret(String algorithms) {
		String[] names = algorithms.split(":");
		String token = rawHmac("{\"alg\":\"" + names[0] + "\",\"typ\":\"JWT\"}", payloadJson("acme-key"),
				secret(ACME_SECRET), names[1]);

		assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_INVALID, Reason.ALGORITHM);
	}

	@Test
	void rejectsRs256TokenOnAConnectRoute() {
		KeyPair pair = TestTokens.rsaKeyPair(2048);
		String token = TestTokens.rs256(TestTokens.privateKey(pair), "some-kid", claims(WEBHOOK).build());

		assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_INVALID, Reason.ALGORITHM);
	}

	static Stream<Arguments> algorithmVariants() {
		return Stream.of(Arguments.of("{\"alg\":[\"HS256\"],\"typ\":\"JWT\"}", Reason.MALFORMED),
				Arguments.of("{\"typ\":\"JWT\"}", Reason.MALFORMED),
				Arguments.of("{\"alg\":null,\"typ\":\"JWT\"}", Reason.MALFORMED),
				Arguments.of("{\"alg\":\"hs256\",\"typ\":\"JWT\"}", Reason.ALGORITHM),
				Arguments.of("{\"alg\":\"HS256 \",\"typ\":\"JWT\"}", Reason.ALGORITHM),
				Arguments.of("{\"alg\":\"HS256\\u0000\",\"typ\":\"JWT\"}", Reason.ALGORITHM));
	}

	@ParameterizedTest
	@MethodSource("algorithmVariants")
	void rejectsAlgorithmThatIsNotExactlyHs256(String header, Reason reason) {
		String token = rawHs256(header, payloadJson("acme-key"), secret(ACME_SECRET));

		assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_INVALID, reason);
	}

	@Test
	void rejectsHs256TokenKeyedWithAnRsaPublicKey() {
		KeyPair pair = TestTokens.rsaKeyPair(2048);
		byte[] pem = TestTokens.bytes(KeyServer.pem(TestTokens.publicKey(pair)));
		byte[] der = TestTokens.publicKey(pair).getEncoded();

		for (byte[] key : new byte[][] { pem, der }) {
			String token = hs256(key, claims(WEBHOOK).build());

			assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_INVALID, Reason.SIGNATURE);
		}
	}

	// --- header ---------------------------------------------------------------------------------------------

	static Stream<String> headersCarryingKeys() {
		String jwk = new RSAKey.Builder(TestTokens.publicKey(TestTokens.rsaKeyPair(2048))).keyID("attacker")
			.build()
			.toJSONString();
		return Stream.of("{\"alg\":\"HS256\",\"jku\":\"http://169.254.169.254/latest/meta-data/\"}",
				"{\"alg\":\"HS256\",\"jku\":\"https://attacker.test/jwks.json\"}",
				"{\"alg\":\"HS256\",\"x5u\":\"https://attacker.test/cert.pem\"}",
				"{\"alg\":\"HS256\",\"jwk\":" + jwk + "}",
				"{\"alg\":\"HS256\",\"x5c\":[\"" + java.util.Base64.getEncoder().encodeToString(new byte[64]) + "\"]}");
	}

	@ParameterizedTest
	@MethodSource("headersCarryingKeys")
	void rejectsHeaderCarryingAKeyOrKeyUrlEvenWhenValidlySigned(String header) {
		String token = rawHs256(header, payloadJson("acme-key"), secret(ACME_SECRET));

		assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_INVALID, Reason.HEADER);
	}

	@ParameterizedTest
	@ValueSource(strings = { "{\"alg\":\"HS256\",\"crit\":[\"x-foo\"],\"x-foo\":1}",
			"{\"alg\":\"HS256\",\"crit\":[\"exp\"]}" })
	void rejectsCriticalHeaderParameters(String header) {
		String token = rawHs256(header, payloadJson("acme-key"), secret(ACME_SECRET));

		CredentialException rejection = rejection(token, WEBHOOK);

		assertThat(rejection.problemType()).isEqualTo(ProblemType.CREDENTIAL_INVALID);
		assertThat(rejection.reason()).isIn(Reason.HEADER, Reason.MALFORMED);
	}

	@ParameterizedTest
	@ValueSource(strings = { "{\"alg\":\"HS256\",\"b64\":false,\"crit\":[\"b64\"]}",
			"{\"alg\":\"HS256\",\"b64\":false}" })
	void rejectsUnencodedPayloadOption(String header) {
		// Signed over the unencoded payload, as RFC 7797 defines it, so only the header rule can refuse it.
		String payload = payloadJson("acme-key");
		String signingInput = b64url(header) + "." + payload;
		String token = b64url(header) + "." + b64url(payload) + "."
				+ b64url(TestTokens.hmac("HmacSHA256", secret(ACME_SECRET), signingInput));

		assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_INVALID, Reason.HEADER);
	}

	@ParameterizedTest
	@ValueSource(strings = { "at+jwt", "JOSE", "application/jwt" })
	void rejectsTypeOtherThanJwt(String type) {
		String token = rawHs256("{\"alg\":\"HS256\",\"typ\":\"" + type + "\"}", payloadJson("acme-key"),
				secret(ACME_SECRET));

		assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_INVALID, Reason.HEADER);
	}

	// --- shape ----------------------------------------------------------------------------------------------

	@Test
	void rejectsJweShapedTokenBeforeAnyCrypto() {
		String header = b64url("{\"alg\":\"PBES2-HS512+A256KW\",\"enc\":\"A256GCM\",\"p2c\":2147483647,"
				+ "\"p2s\":\"c2FsdHNhbHQ\"}");
		String token = header + "." + b64url("encrypted key") + "." + b64url("iv") + "." + b64url("ciphertext") + "."
				+ b64url("tag");

		assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_INVALID, Reason.MALFORMED);
	}

	@Test
	void rejectsTokensWithTwoOrFourSegments() {
		String[] parts = acmeToken(WEBHOOK).split("\\.");

		for (String token : new String[] { parts[0] + "." + parts[1], parts[0] + "." + parts[1] + "." + parts[2] + "."
				+ parts[2], parts[0], "", "..", "..." }) {
			assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_INVALID, Reason.MALFORMED);
		}
	}

	@Test
	void rejectsSegmentsThatAreNotBase64url() {
		String payload = b64url(payloadJson("acme-key"));
		String badHeader = "***";
		String badPayload = "!!!";
		String headerOk = b64url("{\"alg\":\"HS256\"}");

		for (String input : new String[] { badHeader + "." + payload, headerOk + "." + badPayload }) {
			String token = input + "." + b64url(TestTokens.hmac("HmacSHA256", secret(ACME_SECRET), input));

			assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_INVALID, Reason.MALFORMED);
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "=", "==", " ", "\n", "." })
	void rejectsSignatureSegmentThatIsNotStrictBase64url(String noise) {
		String token = acmeToken(WEBHOOK);
		int cut = token.length() - 4;
		String altered = (".".equals(noise)) ? token + noise
				: (noise.startsWith("=")) ? token + noise : token.substring(0, cut) + noise + token.substring(cut);

		assertRejected(rejection(altered, WEBHOOK), ProblemType.CREDENTIAL_INVALID, Reason.MALFORMED);
	}

	@Test
	void rejectsSignatureWrittenInTheStandardBase64Alphabet() {
		String token = null;
		for (int i = 0; token == null; i++) {
			String candidate = hs256(secret(ACME_SECRET), claims(WEBHOOK).subject("account-" + i).build());
			String signature = candidate.substring(candidate.lastIndexOf('.') + 1);
			if (signature.indexOf('-') >= 0 || signature.indexOf('_') >= 0) {
				token = candidate;
			}
		}
		int dot = token.lastIndexOf('.');
		String standard = token.substring(0, dot) + token.substring(dot).replace('-', '+').replace('_', '/');

		CredentialException rejection = rejection(standard, WEBHOOK);

		assertThat(rejection.problemType()).isEqualTo(ProblemType.CREDENTIAL_INVALID);
		assertThat(rejection.reason()).isIn(Reason.MALFORMED, Reason.SIGNATURE);
	}

	@Test
	void rejectsTokenOver8KiBBeforeParsingIt() {
		// Unreadable as well as too large: only a size check made before parsing can name it TOO_LARGE.
		String token = "a." + "@".repeat(JwtChecks.MAX_TOKEN_CHARS) + ".c";

		assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_INVALID, Reason.TOO_LARGE);
	}

	@Test
	void judgesAnUnreadableTokenOfExactly8KiBByItsContent() {
		String token = "a." + "@".repeat(JwtChecks.MAX_TOKEN_CHARS - 4) + ".c";

		assertThat(token).hasSize(JwtChecks.MAX_TOKEN_CHARS);
		assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_INVALID, Reason.MALFORMED);
	}

	@Test
	void rejectsTenThousandLevelsOfNestingWithoutStackOverflow() {
		String token = rawHs256("{\"alg\":\"HS256\"}", nestedPayload(10_000), secret(ACME_SECRET));

		CredentialException rejection = rejection(token, WEBHOOK);

		assertThat(rejection.problemType()).isEqualTo(ProblemType.CREDENTIAL_INVALID);
	}

	@Test
	void rejectsDeepNestingThatFitsUnderTheSizeCap() {
		String token = rawHs256("{\"alg\":\"HS256\"}", nestedPayload(2_500), secret(ACME_SECRET));

		assertThat(token.length()).isLessThanOrEqualTo(JwtChecks.MAX_TOKEN_CHARS);
		assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_INVALID, Reason.MALFORMED);
	}

	@Test
	void readsTenThousandLevelsOfNestedClaimsAsMalformedEvenPastTheSizeCap() throws Exception {
		SignedJWT jwt = SignedJWT.parse(rawHs256("{\"alg\":\"HS256\"}", nestedPayload(10_000), secret(ACME_SECRET)));

		CredentialException rejection = null;
		try {
			JwtChecks.claims(jwt);
		}
		catch (CredentialException ex) {
			rejection = ex;
		}

		assertThat(rejection).isNotNull();
		assertRejected(rejection, ProblemType.CREDENTIAL_INVALID, Reason.MALFORMED);
	}

	@Test
	void rejectsDuplicateClaimNamesThatCouldChooseAnotherTenantsSecret() {
		String payload = "{\"iss\":\"globex-key\",\"iss\":\"acme-key\"," + timesAndQsh(WEBHOOK) + "}";
		String token = rawHs256("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload, secret(ACME_SECRET));

		assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_INVALID, Reason.MALFORMED);
	}

	@Test
	void rejectsDuplicateHeaderParameters() {
		String token = rawHs256("{\"alg\":\"HS256\",\"alg\":\"none\"}", payloadJson("acme-key"), secret(ACME_SECRET));

		assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_INVALID, Reason.MALFORMED);
	}

	// --- signature ------------------------------------------------------------------------------------------

	@Test
	void rejectsPayloadSwappedUnderAnotherPayloadsSignature() {
		String[] signed = acmeToken(WEBHOOK).split("\\.");
		BoundRequest other = new BoundRequest("DELETE", BASE + "/admin", BASE, null);
		String[] wanted = hs256(secret(AuthFixtures.randomSecret()), claims(other).build()).split("\\.");
		String tampered = signed[0] + "." + wanted[1] + "." + signed[2];

		assertRejected(rejection(tampered, other), ProblemType.CREDENTIAL_INVALID, Reason.SIGNATURE);
	}

	@Test
	void rejectsTokenSignedWithAnotherRandomSecret() {
		String token = hs256(secret(AuthFixtures.randomSecret()), claims(WEBHOOK).build());

		assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_INVALID, Reason.SIGNATURE);
	}

	@Test
	void rejectsTokenNamingGlobexButSignedWithAcmesSecret() {
		String token = hs256(secret(ACME_SECRET), claims(WEBHOOK).issuer("globex-key").build());

		assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_INVALID, Reason.SIGNATURE);
	}

	// --- issuer ---------------------------------------------------------------------------------------------

	@Test
	void rejectsUnknownIssuer() {
		String token = hs256(secret(ACME_SECRET), claims(WEBHOOK).issuer("nobody-key").build());

		assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_INVALID, Reason.UNKNOWN_ISSUER);
	}

	@Test
	void rejectsIssuerInstalledOnlyForAnotherApp() {
		String token = hs256(secret(AuthFixtures.HOOLI_SECRET), claims(WEBHOOK).issuer("hooli-key").build());

		assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_INVALID, Reason.UNKNOWN_ISSUER);
	}

	@ParameterizedTest
	@ValueSource(strings = { "acme-key\u200b", "acme-key ", " acme-key", "\u0430cme-key", "ACME-KEY" })
	void rejectsIssuerThatOnlyLooksLikeAClientKey(String issuer) {
		String token = hs256(secret(ACME_SECRET), claims(WEBHOOK).issuer(issuer).build());

		assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_INVALID, Reason.UNKNOWN_ISSUER);
	}

	@Test
	void rejectsMissingOrEmptyIssuer() {
		for (String token : new String[] { hs256(secret(ACME_SECRET), claims(WEBHOOK).issuer(null).build()),
				hs256(secret(ACME_SECRET), claims(WEBHOOK).issuer("").build()) }) {
			assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_INVALID, Reason.CLAIMS);
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "42", "[\"acme-key\"]", "{\"key\":\"acme-key\"}", "true" })
	void rejectsIssuerThatIsNotAString(String issuer) {
		String token = rawHs256("{\"alg\":\"HS256\"}", "{\"iss\":" + issuer + "," + timesAndQsh(WEBHOOK) + "}",
				secret(ACME_SECRET));

		CredentialException rejection = rejection(token, WEBHOOK);

		assertThat(rejection.problemType()).isEqualTo(ProblemType.CREDENTIAL_INVALID);
		assertThat(rejection.reason()).isIn(Reason.MALFORMED, Reason.CLAIMS);
	}

	// --- time -----------------------------------------------------------------------------------------------

	@Test
	void rejectsTokenExpiredBeyondTheLeeway() {
		String token = hs256(secret(ACME_SECRET), claims(WEBHOOK).expirationTime(date(NOW.minusSeconds(31))).build());

		assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_EXPIRED, Reason.EXPIRED);
	}

	@Test
	void acceptsTokenExpiredWithinTheLeeway() throws CredentialException {
		String token = hs256(secret(ACME_SECRET), claims(WEBHOOK).issueTime(date(NOW.minusSeconds(200)))
			.expirationTime(date(NOW.minusSeconds(29)))
			.build());

		assertThat(this.verifier.verify(token, APP, WEBHOOK, false).tenant().id()).isEqualTo("acme");
	}

	@Test
	void rejectsTokenNotValidBeforeALaterTime() {
		String token = hs256(secret(ACME_SECRET), claims(WEBHOOK).notBeforeTime(date(NOW.plusSeconds(31))).build());

		assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_INVALID, Reason.NOT_YET_VALID);
	}

	@Test
	void acceptsNotBeforeWithinTheLeeway() throws CredentialException {
		String token = hs256(secret(ACME_SECRET), claims(WEBHOOK).notBeforeTime(date(NOW.plusSeconds(29))).build());

		assertThat(this.verifier.verify(token, APP, WEBHOOK, false).tenant().id()).isEqualTo("acme");
	}

	@Test
	void rejectsTokenIssuedInTheFutureBeyondTheLeeway() {
		String token = hs256(secret(ACME_SECRET), claims(WEBHOOK).issueTime(date(NOW.plusSeconds(31)))
			.expirationTime(date(NOW.plusSeconds(200)))
			.build());

		assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_INVALID, Reason.NOT_YET_VALID);
	}

	@Test
	void rejectsTokenWithoutExpiry() {
		String token = hs256(secret(ACME_SECRET), claims(WEBHOOK).expirationTime(null).build());

		assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_INVALID, Reason.CLAIMS);
	}

	@Test
	void rejectsTokenWithoutIssueTime() {
		String token = hs256(secret(ACME_SECRET), claims(WEBHOOK).issueTime(null).build());

		assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_INVALID, Reason.CLAIMS);
	}

	// --- qsh ------------------------------------------------------------------------------------------------

	@Test
	void rejectsTokenWithoutQsh() {
		String token = hs256(secret(ACME_SECRET), claims(WEBHOOK).claim("qsh", null).build());

		assertRejected(rejection(token, WEBHOOK), ProblemType.CREDENTIAL_INVALID, Reason.CLAIMS);
	}

	static Stream<Arguments> otherRequests() {
		String query = WEBHOOK.rawQuery();
		return Stream.of(Arguments.of("other method", new BoundRequest("PUT", BASE + "/webhook", BASE, query)),
				Arguments.of("other path", new BoundRequest("POST", BASE + "/webhooks", BASE, query)),
				Arguments.of("other query", new BoundRequest("POST", BASE + "/webhook", BASE,
						"issue=ABC-2&fields=summary,status")),
				Arguments.of("extra parameter",
						new BoundRequest("POST", BASE + "/webhook", BASE, query + "&admin=true")),
				Arguments.of("repeated parameter", new BoundRequest("POST", BASE + "/webhook", BASE,
						query + "&issue=XYZ-9")),
				Arguments.of("no query", new BoundRequest("POST", BASE + "/webhook", BASE, null)));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("otherRequests")
	void rejectsTokenIssuedForAnotherRequest(String difference, BoundRequest request) {
		CredentialException rejection = rejection(acmeToken(WEBHOOK), request);

		assertRejected(rejection, ProblemType.QSH_MISMATCH, Reason.QSH);
	}

	@Test
	void acceptsTheSameRequestWithATrailingSlash() throws CredentialException {
		BoundRequest withSlash = new BoundRequest("POST", BASE + "/webhook/", BASE, WEBHOOK.rawQuery());

		assertThat(this.verifier.verify(acmeToken(WEBHOOK), APP, withSlash, false).tenant().id()).isEqualTo("acme");
	}

	@Test
	void refusesContextQshWhereThePathDoesNotAllowIt() {
		String token = hs256(secret(ACME_SECRET), claims(WEBHOOK).claim("qsh", "context-qsh").build());

		assertRejected(rejection(token, WEBHOOK), ProblemType.QSH_MISMATCH, Reason.CONTEXT_QSH);
	}

	@Test
	void acceptsContextQshWhereThePathAllowsIt() throws CredentialException {
		String token = hs256(secret(ACME_SECRET), claims(WEBHOOK).claim("qsh", "context-qsh").build());

		assertThat(this.verifier.verify(token, APP, WEBHOOK, true).tenant().id()).isEqualTo("acme");
	}

	@Test
	void stillChecksARealQshWhereContextQshIsAllowed() {
		BoundRequest other = new BoundRequest("POST", BASE + "/context/other", BASE, null);

		assertRejected(rejection(this.verifier, acmeToken(WEBHOOK), other, true), ProblemType.QSH_MISMATCH, Reason.QSH);
	}

	// --- tenant ---------------------------------------------------------------------------------------------

	@Test
	void answersADisabledTenantsValidTokenWithTenantDisabled() {
		String token = hs256(secret(INITECH_SECRET), claims(WEBHOOK).issuer("initech-key").build());

		CredentialException rejection = rejection(token, WEBHOOK);

		assertThat(rejection.problemType()).isEqualTo(ProblemType.TENANT_DISABLED);
		assertThat(rejection.problemType().status().value()).isEqualTo(403);
	}

	// --- helpers --------------------------------------------------------------------------------------------

	private static ConnectJwtVerifier verifierFor(String acmeSharedSecret) {
		Registry registry = AuthFixtures.parse(AuthFixtures.registryYaml(acmeSharedSecret));
		TenantRegistry tenants = () -> registry;
		return new ConnectJwtVerifier(tenants, Clock.fixed(NOW, ZoneOffset.UTC), LEEWAY);
	}

	static JWTClaimsSet.Builder claims(BoundRequest request) {
		return new JWTClaimsSet.Builder().issuer("acme-key")
			.subject("account-1")
			.issueTime(date(NOW.minusSeconds(5)))
			.expirationTime(date(NOW.plusSeconds(175)))
			.claim("qsh", qsh(request));
	}

	static String qsh(BoundRequest request) {
		return CanonicalRequest.queryStringHash(request.method(), request.rawPath(), request.basePath(),
				request.rawQuery());
	}

	private static String acmeToken(BoundRequest request) {
		return hs256(secret(ACME_SECRET), claims(request).build());
	}

	private static String timesAndQsh(BoundRequest request) {
		Instant issued = NOW.minusSeconds(5);
		return "\"iat\":" + issued.getEpochSecond() + ",\"exp\":" + (issued.getEpochSecond() + 180) + ",\"qsh\":\""
				+ qsh(request) + "\"";
	}

	private static String payloadJson(String issuer) {
		return "{\"iss\":\"" + issuer + "\",\"sub\":\"account-1\"," + timesAndQsh(WEBHOOK) + "}";
	}

	private static String nestedPayload(int depth) {
		StringBuilder json = new StringBuilder(depth * 2 + 200);
		json.append("{\"iss\":\"acme-key\",").append(timesAndQsh(WEBHOOK)).append(",\"deep\":");
		json.append("[".repeat(depth)).append("]".repeat(depth)).append('}');
		return json.toString();
	}

	private CredentialException rejection(String token, BoundRequest request) {
		return rejection(this.verifier, token, request, false);
	}

	private static CredentialException rejection(ConnectJwtVerifier verifier, String token, BoundRequest request,
			boolean contextQshAllowed) {
		try {
			Verified verified = verifier.verify(token, APP, request, contextQshAllowed);
			return fail("expected a rejection, but the token was accepted for tenant " + verified.tenant().id());
		}
		catch (CredentialException ex) {
			return ex;
		}
	}

	static void assertRejected(CredentialException rejection, ProblemType type, Reason reason) {
		assertThat(rejection.problemType()).as("problem type").isEqualTo(type);
		assertThat(rejection.reason()).as("reason").isEqualTo(reason);
	}

}
