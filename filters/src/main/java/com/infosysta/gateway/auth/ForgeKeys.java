package com.infosysta.gateway.auth;

import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import java.security.interfaces.RSAPublicKey;
import java.util.concurrent.TimeUnit;

/**
 * The Forge invocation tokens' key set (JWKS), held in memory, refreshed in the background and on an unknown
 * {@code kid} (at most once per {@code minFetchInterval}). When the key host is down the last good set stays in
 * force, so verification keeps working with the keys already known.
 */
public final class ForgeKeys implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(ForgeKeys.class);

	private final KeyFetcher fetcher;

	private final String url;

	private final Clock clock;

	private final Duration minFetchInterval;

	private final AtomicReference<Map<String, RSAPublicKey>> keys = new AtomicReference<>(Map.of());

	private final AtomicReference<Instant> lastFetch = new AtomicReference<>(Instant.EPOCH);

	private final AtomicReference<Mono<Map<String, RSAPublicKey>>> inFlight = new AtomicReference<>();

	private final Counter fetchSuccess;

	private final Counter fetchFailure;

	private volatile Disposable refresher;

	ForgeKeys(KeyFetcher fetcher, String url, Clock clock, Duration minFetchInterval, MeterRegistry meters) {
		this.fetcher = fetcher;
		this.url = url;
		this.clock = clock;
		this.minFetchInterval = minFetchInterval;
		this.fetchSuccess = counter(meters, "success");
		this.fetchFailure = counter(meters, "failure");
	}

	public static ForgeKeys create(String url, com.infosysta.gateway.tenant.UpstreamAddressRules rules, Clock clock,
			MeterRegistry meters) {
		return new ForgeKeys(KeyFetcher.create(rules), url, clock, Duration.ofSeconds(10), meters);
	}

	private static Counter counter(MeterRegistry meters, String outcome) {
		return Counter.builder("infosysta.gateway.keys.fetches")
			.description("Fetches of remote public keys by source and outcome")
			.tag("source", "forge-jwks")
			.tag("outcome", outcome)
			.register(meters);
	}

	/** Refreshes the set now and then every {@code interval} in the background. */
	public void startRefreshing(Scheduler scheduler, Duration interval) {
		this.refresher = scheduler.schedulePeriodically(() -> fetch().subscribe(keys -> {
		}, error -> {
		}), 0, interval.toMillis(), TimeUnit.MILLISECONDS);
	}

	Mono<RSAPublicKey> key(String kid) {
		if (kid == null) {
			return Mono.error(CredentialException.invalid(CredentialException.Reason.UNKNOWN_KEY,
					"The token names no key."));
		}
		RSAPublicKey known = this.keys.get().get(kid);
		if (known != null) {
			return Mono.just(known);
		}
		Instant now = this.clock.instant();
		Instant previous = this.lastFetch.get();
		if (now.isBefore(previous.plus(this.minFetchInterval))) {
			Mono<Map<String, RSAPublicKey>> running = this.inFlight.get();
			return (running != null) ? running.flatMap(keys -> lookup(keys, kid)) : unknown();
		}
		return fetch().onErrorResume(KeyFetcher.KeyFetchException.class, ex -> Mono.just(this.keys.get()))
			.flatMap(keys -> lookup(keys, kid));
	}

	private Mono<RSAPublicKey> lookup(Map<String, RSAPublicKey> keys, String kid) {
		RSAPublicKey key = keys.get(kid);
		return (key != null) ? Mono.just(key) : unknown();
	}

	private static Mono<RSAPublicKey> unknown() {
		return Mono.error(CredentialException.invalid(CredentialException.Reason.UNKNOWN_KEY,
				"The token's key is not known."));
	}

	/** One fetch at a time; concurrent callers share it. */
	Mono<Map<String, RSAPublicKey>> fetch() {
		Mono<Map<String, RSAPublicKey>> running = this.inFlight.get();
		if (running != null) {
			return running;
		}
		this.lastFetch.set(this.clock.instant());
		Mono<Map<String, RSAPublicKey>> fetch = this.fetcher.get(this.url)
			.map(ForgeKeys::parseJwks)
			.doOnNext(keys -> {
				if (keys.isEmpty()) {
					// A key set without usable keys would lock every app out: keep the last good one.
					throw new KeyFetcher.KeyFetchException("no usable keys");
				}
				this.keys.set(keys);
				this.fetchSuccess.increment();
			})
			.doOnError(ex -> {
				this.fetchFailure.increment();
				log.warn("Forge key set could not be fetched ({}); keeping {} known keys",
						ex.getClass().getSimpleName(), this.keys.get().size());
			})
			.onErrorMap(ex -> !(ex instanceof KeyFetcher.KeyFetchException),
					ex -> new KeyFetcher.KeyFetchException(ex.getClass().getSimpleName()))
			// Cleared before the result reaches the callers: a caller that got an answer never reuses this fetch.
			.doOnTerminate(() -> this.inFlight.set(null))
			.cache();
		if (this.inFlight.compareAndSet(null, fetch)) {
			return fetch;
		}
		Mono<Map<String, RSAPublicKey>> other = this.inFlight.get();
		return (other != null) ? other : Mono.just(this.keys.get());
	}

	static Map<String, RSAPublicKey> parseJwks(String json) {
		try {
			Map<String, RSAPublicKey> keys = new HashMap<>();
			for (JWK jwk : JWKSet.parse(json).getKeys()) {
				if (jwk instanceof RSAKey rsa && jwk.getKeyID() != null
						&& (jwk.getKeyUse() == null || KeyUse.SIGNATURE.equals(jwk.getKeyUse()))) {
					keys.put(jwk.getKeyID(), rsa.toRSAPublicKey());
				}
			}
			return Map.copyOf(keys);
		}
		catch (ParseException | JOSEException ex) {
			throw new KeyFetcher.KeyFetchException("not a JWK set");
		}
	}

	@Override
	public void close() {
		Disposable task = this.refresher;
		if (task != null) {
			task.dispose();
		}
	}

}
