package com.infosysta.gateway.guard;

import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.ConnectionObserver;
import reactor.netty.NettyPipeline;

/**
 * The guard below Spring, on every client connection of the public port (for Reactor Netty's
 * {@code doOnChannelInit}): at most {@code max-connections} open at once, further ones closed as they arrive;
 * a connection's first request head must be complete within {@code header-read-timeout} of the connection (or
 * its TLS handshake), a later one within that time of its first byte ({@link RequestHeadTimeout});
 * a request Netty cannot decode gets the gateway's problem answer, and a body it cannot decode aborts the call
 * ({@link RequestDecodingFailures}). Fails closed: a connection over the limit is never served.
 * <p>
 * With TLS and HTTP/2 offered, a connection's HTTP/1.1 codec exists only once ALPN has chosen HTTP/1.1; the
 * HTTP/1.1 handlers are added then. HTTP/2 connections rely on their own settings (concurrent streams, header
 * list size, reset budget).
 */
public final class ConnectionGuard {

	private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);

	static final String RAW_READS = "infosysta.requestHeadTimeout.rawReads";

	static final String HEADS = "infosysta.requestHeadTimeout.heads";

	static final String DECODING_FAILURES = "infosysta.requestDecodingFailures";

	private static final String INSTALLER = "infosysta.connectionGuard.installer";

	private final int maxConnections;

	private final long headerReadTimeoutNanos;

	private final AtomicInteger open = new AtomicInteger();

	public ConnectionGuard(LimitsProperties limits) {
		this.maxConnections = limits.maxConnections();
		this.headerReadTimeoutNanos = limits.headerReadTimeout().toNanos();
	}

	/** Client connections open now. */
	public int openConnections() {
		return this.open.get();
	}

	/** Reactor Netty's {@code doOnChannelInit}: runs once per accepted connection, on its event loop. */
	public void onChannelInit(ConnectionObserver observer, Channel channel, SocketAddress remoteAddress) {
		if (this.open.incrementAndGet() > this.maxConnections) {
			this.open.decrementAndGet();
			log.debug("Closing a new connection: {} are open", this.maxConnections);
			channel.close();
			return;
		}
		channel.closeFuture().addListener(closed -> this.open.decrementAndGet());
		ChannelPipeline pipeline = channel.pipeline();
		if (pipeline.get(NettyPipeline.HttpCodec) != null) {
			addHttp11Handlers(pipeline, this.headerReadTimeoutNanos);
		}
		else if (pipeline.get(NettyPipeline.H2OrHttp11Codec) != null) {
			pipeline.addAfter(NettyPipeline.H2OrHttp11Codec, INSTALLER,
					new AfterNegotiation(this.headerReadTimeoutNanos));
		}
	}

	/** Around the HTTP/1.1 codec: before it the (decrypted) bytes, after it the decoded messages. */
	private static void addHttp11Handlers(ChannelPipeline pipeline, long headerReadTimeoutNanos) {
		RequestHeadTimeout headTimeout = new RequestHeadTimeout(headerReadTimeoutNanos);
		pipeline.addBefore(NettyPipeline.HttpCodec, RAW_READS, headTimeout.rawReads());
		pipeline.addAfter(NettyPipeline.HttpCodec, DECODING_FAILURES, new RequestDecodingFailures());
		pipeline.addAfter(NettyPipeline.HttpCodec, HEADS, headTimeout.heads());
	}

	/**
	 * Adds the HTTP/1.1 handlers once ALPN has configured the pipeline, if it chose HTTP/1.1. Request bytes
	 * that came with the handshake's last record have already been replayed to the codec by then; the first
	 * head's clock starts here, so they are timed all the same.
	 */
	private static final class AfterNegotiation extends ChannelInboundHandlerAdapter {

		private final long headerReadTimeoutNanos;

		AfterNegotiation(long headerReadTimeoutNanos) {
			this.headerReadTimeoutNanos = headerReadTimeoutNanos;
		}

		@Override
		public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
			if (event instanceof SslHandshakeCompletionEvent) {
				ChannelPipeline pipeline = ctx.pipeline();
				if (pipeline.get(NettyPipeline.HttpCodec) != null && pipeline.get(HEADS) == null) {
					addHttp11Handlers(pipeline, this.headerReadTimeoutNanos);
				}
				pipeline.remove(this);
			}
			ctx.fireUserEventTriggered(event);
		}

	}

}
