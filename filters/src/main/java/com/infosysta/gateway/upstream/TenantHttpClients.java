package com.infosysta.gateway.upstream;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.netty.handler.ssl.SslContextBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import com.infosysta.gateway.tenant.CaBundle;
import com.infosysta.gateway.tenant.Registry;
import com.infosysta.gateway.tenant.Tenant;
import com.infosysta.gateway.tenant.TenantRegistry;

/**
 * The upstream clients of the tenants that have a private CA ({@code ca-bundle-file}): one per such tenant,
 * trusting that tenant's bundle and nothing else (not the JVM's roots: a private CA names the one Jira it is
 * for, and the public roots would let any publicly certified host impersonate it), with host names verified,
 * TLS 1.2 or 1.3, and a connection pool of its own. The own pool is what keeps trust apart: a connection opened
 * under one tenant's trust is never lent to another tenant's call, even when both name the same host.
 * <p>
 * Built off the event loop, once per registry version: at start and after each reload, only for tenants whose
 * bundle is new or changed (by content). A replaced or removed tenant's pool is disposed after a grace period,
 * so calls that picked the old client just before the reload can still get their connection.
 */
public final class TenantHttpClients implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(TenantHttpClients.class);

	private final UpstreamProperties properties;

	private final TenantRegistry registry;

	private final Duration grace;

	private volatile Map<String, TenantClient> clients = Map.of();

	private boolean closed;

	/**
	 * Builds the clients of the registry version in force; call off the event loop.
	 *
	 * @param grace how long a replaced client's pool stays open
	 */
	public TenantHttpClients(UpstreamProperties properties, TenantRegistry registry, Duration grace) {
		this.properties = properties;
		this.registry = registry;
		this.grace = grace;
		refresh(registry.current());
	}

	/**
	 * Makes the clients match this registry version; call off the event loop (building a TLS context may read
	 * the JVM's security files and seed a random generator).
	 */
	public synchronized void refresh(Registry version) {
		if (this.closed) {
			return;
		}
		Map<String, TenantClient> previous = this.clients;
		Map<String, TenantClient> next = new HashMap<>();
		for (Tenant tenant : version.tenants().values()) {
			CaBundle bundle = tenant.caBundle();
			if (bundle == null) {
				continue;
			}
			TenantClient old = previous.get(tenant.id());
			next.put(tenant.id(), (old != null && old.matches(bundle)) ? old : build(tenant.id(), bundle));
		}
		this.clients = Map.copyOf(next);
		previous.forEach((id, old) -> {
			if (next.get(id) != old) {
				retire(old, this.grace);
			}
		});
	}

	/**
	 * The client for this tenant's calls to its own base URL, which must have a CA bundle. When the registry
	 * changed an instant ago and this replica has not built the client yet, it is built now, off the event loop.
	 */
	Mono<HttpClient> client(Tenant tenant) {
		TenantClient ready = this.clients.get(tenant.id());
		if (ready != null && ready.matches(tenant.caBundle())) {
			return Mono.just(ready.client());
		}
		return Mono.fromCallable(() -> {
			refresh(this.registry.current());
			TenantClient built = this.clients.get(tenant.id());
			if (built == null) {
				// The tenant lost its bundle (or was removed) while this call was under way: fail closed.
				throw new IllegalStateException("tenant '" + tenant.id() + "' has no CA bundle any more");
			}
			return built.client();
		}).subscribeOn(Schedulers.boundedElastic());
	}

	/** How many tenants have a client of their own; for tests and diagnostics. */
	int size() {
		return this.clients.size();
	}

	@Override
	public synchronized void close() {
		this.closed = true;
		this.clients.values().forEach(client -> retire(client, Duration.ZERO));
		this.clients = Map.of();
	}

	private TenantClient build(String tenantId, CaBundle bundle) {
		X509Certificate[] anchors = bundle.certificates().toArray(X509Certificate[]::new);
		// A pool of its own (create() makes one per call); secure(...) keeps Reactor Netty's host-name check.
		HttpClient client = UpstreamHttpClientFactory.create(this.properties)
			.secure(spec -> spec.sslContext(Http11SslContextSpec.forClient()
				.configure(builder -> trustOnly(builder, anchors))));
		log.info("Tenant '{}': upstream TLS trusts only its CA bundle '{}' ({} certificates, sha256 {})", tenantId,
				bundle.file(), anchors.length, bundle.sha256());
		return new TenantClient(bundle, client);
	}

	private static void trustOnly(SslContextBuilder builder, X509Certificate[] anchors) {
		builder.trustManager(anchors).protocols("TLSv1.3", "TLSv1.2");
	}

	private static void retire(TenantClient old, Duration after) {
		ConnectionProvider pool = old.client().configuration().connectionProvider();
		// Disposing fails pending acquisitions; connections in use finish their call and are then closed.
		Mono.delay(after).then(pool.disposeLater()).subscribe(null,
				failure -> log.warn("Disposing a tenant's upstream pool failed: {}", failure.getClass().getName()));
	}

	/**
	 * @param bundle the bundle the client trusts
	 */
	record TenantClient(CaBundle bundle, HttpClient client) {

		boolean matches(CaBundle other) {
			return other != null && (this.bundle == other || this.bundle.sha256().equals(other.sha256()));
		}

	}

}
