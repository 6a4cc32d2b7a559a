package com.infosysta.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOption;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import com.infosysta.gateway.tenant.UpstreamAddressRules;

/**
 * Fetches public keys with the reactive client: never Nimbus' blocking URL fetcher, never on a blocking
 * thread. Small bodies only (public keys are a few KiB), no redirects, short timeouts, and the same address
 * rules as upstream calls.
 */
final class KeyFetcher {

	static final int MAX_BYTES = 64 * 1024;

	private final HttpClient client;

	KeyFetcher(HttpClient client) {
		this.client = client;
	}

	static KeyFetcher create(UpstreamAddressRules rules) {
		HttpClient client = HttpClient.create()
			.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2_000)
			.responseTimeout(Duration.ofSeconds(5))
			.followRedirect(false)
			.resolvedAddressesSelector((config, resolved) -> resolved.stream()
				.filter(address -> !(address instanceof java.net.InetSocketAddress inet) || inet.getAddress() == null
						|| rules.isAllowed(inet.getAddress()))
				.toList());
		return new KeyFetcher(client);
	}

	/** The body of a 200 answer as text; any other answer, a too large body or a timeout is an error. */
	Mono<String> get(String url) {
		return this.client.get()
			.uri(url)
			.responseConnection((response, connection) -> {
				if (response.status().code() != 200) {
					return Mono.error(new KeyFetchException("status " + response.status().code(),
							response.status().code()));
				}
				return connection.inbound()
					.receive()
					.reduce(new StringBuilder(), (text, chunk) -> append(text, chunk));
			})
			.next()
			.map(StringBuilder::toString)
			.timeout(Duration.ofSeconds(6));
	}

	private static StringBuilder append(StringBuilder text, ByteBuf chunk) {
		if (text.length() + chunk.readableBytes() > MAX_BYTES) {
			throw new KeyFetchException("body over " + MAX_BYTES + " bytes");
		}
		return text.append(chunk.toString(StandardCharsets.UTF_8));
	}

	static final class KeyFetchException extends RuntimeException {

		private static final long serialVersionUID = 1L;

		private final int status;

		KeyFetchException(String message) {
			this(message, 0);
		}

		KeyFetchException(String message, int status) {
			super(message, null, false, false);
			this.status = status;
		}

		/** The key host's HTTP status, or 0 when there was no answer. */
		int status() {
			return this.status;
		}

	}

}
