package com.infosysta.gateway.auth;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import com.infosysta.gateway.connect.CanonicalRequest;
import com.infosysta.gateway.tenant.Registry;
import com.infosysta.gateway.tenant.RegistryFileParser;
import com.infosysta.gateway.tenant.UpstreamAddressRules;

/**
 * The gateway's credential checks on one thread, beside the bare Nimbus work they replace, so the two can be
 * compared in one run: the whole Connect check (parse, key choice, HS256, claims, leeway, {@code qsh}) against
 * Nimbus' parse + verify + claims + {@code qsh}; the lifecycle RS256 check against Nimbus' RS256 verify.
 * Run with {@code -prof gc} for allocation per operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
@Threads(1)
public class CredentialBenchmark {

	private static final String SECRET = "benchmark-shared-secret-0123456789abcdef-xyz";

	private static final String APP_BASE = "/apps/outlook-to-jira/jira";

	private static final String PATH = APP_BASE + "/rest/api/3/search";

	private static final String QUERY = "jql=project%20%3D%20ABC&maxResults=50";

	private ConnectJwtVerifier connect;

	private ConnectJwtVerifier.BoundRequest connectRequest;

	private String connectToken;

	private byte[] secret;

	private LifecycleJwtVerifier lifecycle;

	private AppDefinition app;

	private ConnectJwtVerifier.BoundRequest lifecycleRequest;

	private String lifecycleToken;

	private RSAPublicKey publicKey;

	private DisposableServer keyServer;

	@Setup
	public void setUp() throws Exception {
		Instant now = Instant.now();
		Clock clock = Clock.fixed(now, ZoneOffset.UTC);
		this.secret = SECRET.getBytes(StandardCharsets.UTF_8);
		Registry registry = new RegistryFileParser(UpstreamAddressRules.STRICT).parse("benchmark", ("""
				tenants:
				  - id: acme
				    deployment: cloud
				    base-url: https://acme.atlassian.net
				    accept: [basic]
				    client-key: jira:4b4c1c7e-6d0f-4a5f-9d21-3c8a6a0e2f11
				    apps:
				      outlook-to-jira: { shared-secret: %s }
				""".formatted(SECRET)).getBytes(StandardCharsets.UTF_8));
		this.connect = new ConnectJwtVerifier(() -> registry, clock, Duration.ofSeconds(30));
		this.connectRequest = new ConnectJwtVerifier.BoundRequest("GET", PATH, APP_BASE, QUERY);
		SignedJWT hs = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder()
			.issuer("jira:4b4c1c7e-6d0f-4a5f-9d21-3c8a6a0e2f11")
			.subject("557058:f58131cb-b67d-43c7-b30d-6b58d40bd077")
			.issueTime(Date.from(now))
			.expirationTime(Date.from(now.plusSeconds(86_400)))
			.claim("qsh", CanonicalRequest.queryStringHash("GET", PATH, APP_BASE, QUERY))
			.build());
		hs.sign(new MACSigner(this.secret));
		this.connectToken = hs.serialize();

		KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
		generator.initialize(2048);
		KeyPair pair = generator.generateKeyPair();
		this.publicKey = (RSAPublicKey) pair.getPublic();
		String pem = "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(pair.getPublic().getEncoded())
				+ "\n-----END PUBLIC KEY-----\n";
		this.keyServer = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.handle((request, response) -> response.sendString(Mono.just(pem)))
			.bindNow();
		InstallKeys keys = InstallKeys.create("http://127.0.0.1:" + this.keyServer.port(),
				new UpstreamAddressRules(true, true), clock, new SimpleMeterRegistry());
		this.lifecycle = new LifecycleJwtVerifier(keys, clock, Duration.ofSeconds(30));
		this.app = new AppCatalog(Map.of("outlook-to-jira", new AuthProperties.App("com.infosysta.outlook", null, null,
				URI.create("https://apps.infosysta.example/outlook"), null, List.of(), List.of(), List.of())),
				UpstreamAddressRules.STRICT)
			.app("outlook-to-jira");
		this.lifecycleRequest = new ConnectJwtVerifier.BoundRequest("POST", "/apps/outlook-to-jira/installed",
				"/apps/outlook-to-jira", null);
		SignedJWT rs = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("bench-kid").build(),
				new JWTClaimsSet.Builder().issuer("jira:new-site")
					.audience("https://apps.infosysta.example/outlook")
					.issueTime(Date.from(now))
					.expirationTime(Date.from(now.plusSeconds(86_400)))
					.claim("qsh", this.lifecycleRequest.queryStringHash())
					.build());
		rs.sign(new RSASSASigner(pair.getPrivate()));
		this.lifecycleToken = rs.serialize();
		// Fetch the key once, as the first lifecycle call would; the benchmark measures the held key.
		this.lifecycle.verify(this.lifecycleToken, this.app, this.lifecycleRequest).block(Duration.ofSeconds(10));
		if (this.connect.verify(this.connectToken, "outlook-to-jira", this.connectRequest, false) == null) {
			throw new IllegalStateException("the Connect token must verify");
		}
	}

	@TearDown
	public void tearDown() {
		this.keyServer.disposeNow();
	}

	/** The gateway's whole Connect check. */
	@Benchmark
	public Object connectCheck() throws CredentialException {
		return this.connect.verify(this.connectToken, "outlook-to-jira", this.connectRequest, false);
	}

	/** What the research measured as (b): Nimbus parse + HS256 verify + claims + exp + qsh, nothing else. */
	@Benchmark
	public boolean bareNimbusConnect() throws Exception {
		SignedJWT jwt = SignedJWT.parse(this.connectToken);
		if (!jwt.verify(new MACVerifier(this.secret))) {
			return false;
		}
		JWTClaimsSet claims = jwt.getJWTClaimsSet();
		if (claims.getExpirationTime().toInstant().plusSeconds(30).isBefore(Instant.now())) {
			return false;
		}
		String qsh = claims.getStringClaim("qsh");
		return MessageDigest.isEqual(qsh.getBytes(StandardCharsets.UTF_8),
				CanonicalRequest.queryStringHash("GET", PATH, APP_BASE, QUERY).getBytes(StandardCharsets.UTF_8));
	}

	/** The gateway's whole lifecycle check with the key already held. */
	@Benchmark
	public Object lifecycleCheck() {
		return this.lifecycle.verify(this.lifecycleToken, this.app, this.lifecycleRequest).block();
	}

	/** Nimbus parse + RS256 verify alone. */
	@Benchmark
	public boolean bareNimbusRs256() throws Exception {
		return SignedJWT.parse(this.lifecycleToken).verify(new RSASSAVerifier(this.publicKey));
	}

	@Benchmark
	public String queryStringHash() {
		return CanonicalRequest.queryStringHash("GET", PATH, APP_BASE, QUERY);
	}

}
