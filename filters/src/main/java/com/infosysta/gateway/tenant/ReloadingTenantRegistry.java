package com.infosysta.gateway.tenant;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * The registry file, re-read whenever its content changes. The content hash is polled rather than the file
 * watched, because Kubernetes updates a mounted Secret by swapping a symlink, which file watchers miss.
 * <p>
 * Fails closed at start-up (a bad file stops the gateway) and keeps the last good version on a bad reload
 * (one ERROR per bad version, and a counter), because refusing every tenant over one typo would be worse than
 * serving the previous version a little longer. Requests are never blocked by a reload: they read an
 * immutable snapshot through one volatile reference.
 */
public final class ReloadingTenantRegistry implements TenantRegistry, AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(ReloadingTenantRegistry.class);

	private final Path file;

	private final RegistryFileParser parser;

	private final AtomicReference<Registry> current = new AtomicReference<>();

	private final Counter reloadSuccess;

	private final Counter reloadFailure;

	/** The content hash of the version in force. */
	private volatile String appliedHash;

	/** The last version that failed, so it is logged and counted once, yet retried on every poll. */
	private volatile String failedHash;

	private final MeterRegistry meters;

	private Gauge hashGauge;

	private volatile Disposable polling;

	private final java.util.List<java.util.function.Consumer<Registry>> listeners =
			new java.util.concurrent.CopyOnWriteArrayList<>();

	/**
	 * Loads the file now; a bad file throws {@link RegistryException}, which stops start-up.
	 */
	public ReloadingTenantRegistry(Path file, RegistryFileParser parser, MeterRegistry meters) {
		this.file = Objects.requireNonNull(file, "file");
		this.parser = parser;
		Registry first = parser.parse(file);
		this.current.set(first);
		this.appliedHash = first.contentHash();
		this.reloadSuccess = Counter.builder("infosysta.gateway.registry.reloads")
			.description("Registry file reloads by outcome")
			.tag("outcome", "success")
			.register(meters);
		this.reloadFailure = Counter.builder("infosysta.gateway.registry.reloads")
			.description("Registry file reloads by outcome")
			.tag("outcome", "failure")
			.register(meters);
		Gauge.builder("infosysta.gateway.registry.tenants", this, registry -> registry.current().tenants().size())
			.description("Tenants in the registry version in force")
			.register(meters);
		Gauge.builder("infosysta.gateway.registry.reload.failing", this,
				registry -> (registry.failedHash == null) ? 0 : 1)
			.description("1 while the registry file holds a version that was refused (the previous one is in force)")
			.register(meters);
		this.meters = meters;
		this.hashGauge = registerHash(first.contentHash());
		log.info("Registry '{}' loaded: {} tenants, content hash {}", file, first.tenants().size(),
				first.contentHash());
	}

	/**
	 * Starts polling on the given scheduler, which must allow blocking file reads (not an event loop).
	 */
	public void startPolling(Scheduler scheduler, Duration interval) {
		long millis = interval.toMillis();
		this.polling = scheduler.schedulePeriodically(this::poll, millis, millis, TimeUnit.MILLISECONDS);
	}

	/** Called with every new version after it is in force (e.g. to drop the breakers of removed tenants). */
	public void onReload(java.util.function.Consumer<Registry> listener) {
		this.listeners.add(listener);
	}

	@Override
	public Registry current() {
		return this.current.get();
	}

	/**
	 * One series per replica whose {@code hash} label is the start of the content hash in force, so ops can
	 * see that every replica runs the same registry (and a reload that reached only some).
	 */
	private Gauge registerHash(String contentHash) {
		return Gauge.builder("infosysta.gateway.registry.info", () -> 1)
			.description("1, labelled with the first 12 hex digits of the registry version in force")
			.tag("hash", contentHash.substring(0, Math.min(12, contentHash.length())))
			.register(this.meters);
	}

	/** Checks the file once; public so tests and an operator-triggered reload need not wait for the timer. */
	public void poll() {
		byte[] content;
		try {
			content = Files.readAllBytes(this.file);
		}
		catch (IOException | RuntimeException ex) {
			String marker = "unreadable:" + ex.getClass().getName();
			if (!marker.equals(this.failedHash)) {
				this.failedHash = marker;
				this.reloadFailure.increment();
				log.error("Registry '{}' cannot be read ({}); keeping the version with hash {}", this.file,
						ex.getClass().getSimpleName(), current().contentHash());
			}
			return;
		}
		String hash = RegistryFileParser.sha256(content);
		if (hash.equals(this.appliedHash)) {
			this.failedHash = null;
			return;
		}
		try {
			// A failed version is parsed again on every poll: a secret file it names may arrive later.
			Registry next = this.parser.parse(this.file.toString(), content);
			this.current.set(next);
			this.appliedHash = hash;
			this.failedHash = null;
			this.reloadSuccess.increment();
			this.meters.remove(this.hashGauge);
			this.hashGauge = registerHash(hash);
			log.info("Registry '{}' reloaded: {} tenants, content hash {}", this.file, next.tenants().size(), hash);
			this.listeners.forEach(listener -> listener.accept(next));
		}
		catch (RuntimeException ex) {
			if (hash.equals(this.failedHash)) {
				return;
			}
			this.failedHash = hash;
			this.reloadFailure.increment();
			String why = (ex instanceof RegistryException) ? ex.getMessage()
					: "registry file '" + this.file + "': " + ex.getClass().getSimpleName();
			log.error("Registry reload rejected, keeping the version with hash {}: {}", current().contentHash(), why);
		}
	}

	@Override
	public void close() {
		Disposable task = this.polling;
		if (task != null) {
			task.dispose();
		}
	}

}
