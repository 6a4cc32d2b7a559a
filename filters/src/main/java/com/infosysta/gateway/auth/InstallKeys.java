package com.infosysta.gateway.auth;

import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Atlassian's Connect install keys, fetched by {@code kid} as PEM from {@code install-keys-url/<kid>} and held
 * in memory (Atlassian never reuses a {@code kid} for another key). A {@code kid} is only a lookup key: it is
 * checked against a strict alphabet before it becomes part of a URL. Fetches of unknown {@code kid}s are
 * limited to one per {@code minFetchInterval}, so a flood of random {@code kid}s costs Atlassian a handful of
 * requests, not one each; the price is that a genuinely new key can wait that long.
 */
public final class InstallKeys {

	private static final Logger log = LoggerFactory.getLogger(InstallKeys.class);

	private static final int MAX_KEYS = 64;

	private final KeyFetcher fetcher;

	private final String baseUrl;

	private final Clock clock;

	private final Duration minFetchInterval;

	private final Map<String, RSAPublicKey> keys = new LinkedHashMap<>(16, 0.75f, true) {

		private static final long serialVersionUID = 1L;

		@Override
		protected boolean removeEldestEntry(Map.Entry<String, RSAPublicKey> eldest) {
			return size() > MAX_KEYS;
		}

	};

	private final AtomicReference<Instant> lastFetch = new AtomicReference<>(Instant.EPOCH);

	/** One fetch per {@code kid} at a time: concurrent lookups of the same new key share it. */
	private final ConcurrentMap<String, Mono<RSAPublicKey>> inFlight = new ConcurrentHashMap<>();

	private final Counter fetchNotFound;

	private final Counter fetchSuccess;

	private final Counter fetchFailure;

	InstallKeys(KeyFetcher fetcher, String baseUrl, Clock clock, Duration minFetchInterval, MeterRegistry meters) {
		this.fetcher = fetcher;
		this.baseUrl = baseUrl.endsWith("/") ? baseUrl : baseUrl + "/";
		this.clock = clock;
		this.minFetchInterval = minFetchInterval;
		this.fetchSuccess = counter(meters, "success");
		this.fetchFailure = counter(meters, "failure");
		this.fetchNotFound = counter(meters, "not-found");
		rsaKeyFactory();
	}

	public static InstallKeys create(String baseUrl, com.infosysta.gateway.tenant.UpstreamAddressRules rules,
			Clock clock, MeterRegistry meters) {
		return new InstallKeys(KeyFetcher.create(rules), baseUrl, clock, Duration.ofSeconds(10), meters);
	}

	private static Counter counter(MeterRegistry meters, String outcome) {
		return Counter.builder("infosysta.gateway.keys.fetches")
			.description("Fetches of remote public keys by source and outcome")
			.tag("source", "connect-install")
			.tag("outcome", outcome)
			.register(meters);
	}

	/** The key for this {@code kid}, from memory or fetched; an error when it cannot be had now. */
	Mono<RSAPublicKey> key(String kid) {
		if (!isPlausibleKid(kid)) {
			return Mono.error(CredentialException.invalid(CredentialException.Reason.UNKNOWN_KEY,
					"The token's key is not known."));
		}
		RSAPublicKey known;
		synchronized (this.keys) {
			known = this.keys.get(kid);
		}
		if (known != null) {
			return Mono.just(known);
		}
		Mono<RSAPublicKey> running = this.inFlight.get(kid);
		if (running != null) {
			return running;
		}
		Instant now = this.clock.instant();
		Instant previous = this.lastFetch.get();
		if (now.isBefore(previous.plus(this.minFetchInterval)) || !this.lastFetch.compareAndSet(previous, now)) {
			return Mono.error(CredentialException.invalid(CredentialException.Reason.UNKNOWN_KEY,
					"The token's key is not known."));
		}
		Mono<RSAPublicKey> fetch = this.fetcher.get(this.baseUrl + kid).map(InstallKeys::parsePem).doOnNext(key -> {
			synchronized (this.keys) {
				this.keys.put(kid, key);
			}
			this.fetchSuccess.increment();
		}).onErrorMap(ex -> !(ex instanceof CredentialException), this::unavailable)
			// Cleared before the result reaches the callers: a caller that got an answer never reuses this fetch.
			.doOnTerminate(() -> this.inFlight.remove(kid))
			.cache();
		Mono<RSAPublicKey> other = this.inFlight.putIfAbsent(kid, fetch);
		return (other != null) ? other : fetch;
	}

	private CredentialException unavailable(Throwable failure) {
		if (failure instanceof KeyFetcher.KeyFetchException fetch && fetch.status() == 404) {
			// The host is up and has no such key: a made-up kid, not an outage.
			this.fetchNotFound.increment();
			return CredentialException.invalid(CredentialException.Reason.UNKNOWN_KEY, "The token's key is not known.");
		}
		this.fetchFailure.increment();
		log.warn("Connect install key could not be fetched ({})", failure.getClass().getSimpleName());
		return CredentialException.invalid(CredentialException.Reason.KEY_UNAVAILABLE,
				"The token's key could not be fetched.");
	}

	/** Atlassian's kids are UUID-like; anything else never reaches a URL. */
	static boolean isPlausibleKid(String kid) {
		if (kid == null || kid.isEmpty() || kid.length() > 128 || kid.contains("..")) {
			return false;
		}
		for (int i = 0; i < kid.length(); i++) {
			char c = kid.charAt(i);
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
					|| c == '.' || c == '/')) {
				return false;
			}
		}
		return !kid.startsWith("/") && !kid.endsWith("/");
	}

	static RSAPublicKey parsePem(String pem) {
		String base64 = pem.replace("-----BEGIN PUBLIC KEY-----", "")
			.replace("-----END PUBLIC KEY-----", "")
			.replaceAll("\\s", "");
		try {
			PublicKey key = rsaKeyFactory().generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
			if (!(key instanceof RSAPublicKey rsa) || rsa.getModulus().bitLength() < 2048) {
				throw new KeyFetcher.KeyFetchException("not an RSA key of at least 2048 bits");
			}
			return rsa;
		}
		catch (InvalidKeySpecException | IllegalArgumentException ex) {
			throw new KeyFetcher.KeyFetchException("not a PEM public key");
		}
	}

	private static KeyFactory rsaKeyFactory() {
		try {
			return KeyFactory.getInstance("RSA");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("RSA is part of every JRE", ex);
		}
	}

}
