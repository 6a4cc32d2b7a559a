package com.infosysta.gateway.it;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A loopback upstream for the security suite that records everything it is sent, as soon as it is sent: every
 * accepted connection, every request head (line and header fields) on arrival, and which requests arrived
 * complete with how many body bytes. A request whose body never ended is seen as a head without completion, so
 * a test can tell "nothing arrived", "a call was started and aborted" and "a whole request was delivered" apart.
 * Bodies are counted, never kept.
 */
final class RecordingUpstream implements AutoCloseable {

	/** A request head as it arrived. */
	record Head(String method, String uri, HttpHeaders headers) {
	}

	/** A request whose body ended normally. */
	record Complete(Head head, long bodyBytes) {
	}

	private final AtomicInteger connections = new AtomicInteger();

	private final ConcurrentLinkedQueue<Head> heads = new ConcurrentLinkedQueue<>();

	private final ConcurrentLinkedQueue<Complete> complete = new ConcurrentLinkedQueue<>();

	private final DisposableServer server;

	private RecordingUpstream() {
		this.server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.httpRequestDecoder(spec -> spec.maxInitialLineLength(64 * 1024).maxHeaderSize(64 * 1024))
			.doOnConnection(connection -> this.connections.incrementAndGet())
			.handle((request, response) -> {
				Head head = new Head(request.method().name(), request.uri(), request.requestHeaders().copy());
				this.heads.add(head);
				return request.receive()
					.map(ByteBuf::readableBytes)
					.reduce(0L, Long::sum)
					.flatMap(bytes -> {
						this.complete.add(new Complete(head, bytes));
						return response.header(HttpHeaderNames.CONTENT_TYPE, "text/plain")
							.header(HttpHeaderNames.CONTENT_LENGTH, "2")
							.sendString(Mono.just("ok"))
							.then();
					});
			})
			.bindNow();
	}

	/** Binds on an ephemeral loopback port; call from a test thread. */
	static RecordingUpstream start() {
		return new RecordingUpstream();
	}

	String baseUrl() {
		return "http://127.0.0.1:" + this.server.port();
	}

	int port() {
		return this.server.port();
	}

	int connections() {
		return this.connections.get();
	}

	List<Head> heads() {
		return List.copyOf(this.heads);
	}

	List<Complete> complete() {
		return List.copyOf(this.complete);
	}

	void clear() {
		this.connections.set(0);
		this.heads.clear();
		this.complete.clear();
	}

	@Override
	public void close() {
		this.server.disposeNow();
	}

}
