package com.infosysta.gateway.guard;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.NettyPipeline;

/**
 * Cuts off a client that sends a request's head too slowly (slowloris). The clock starts when the connection
 * is ready (for its first request) or with the first byte of a later request, and stops when the request's last
 * header line is decoded; a connection still short of a complete head when the time is up is closed. Reactor
 * Netty's own timeouts cannot do this: its idle timeout restarts with every byte, so a byte every few seconds
 * would hold a connection for hours, and its read and request timeouts only start once the head is complete.
 * Waiting between two requests is the idle timeout's business, not this one's.
 * <p>
 * Two handlers share the state of one connection: {@link #rawReads()} right before the HTTP/1.1 codec sees that
 * bytes arrive (decrypted, with TLS), {@link #heads()} right after it sees complete heads and the ends of bodies.
 * Without the codec (HTTP/2) the clock never starts: HTTP/2 has its own limits. All on the channel's event loop.
 */
final class RequestHeadTimeout {

	private static final Logger log = LoggerFactory.getLogger(RequestHeadTimeout.class);

	private final long timeoutNanos;

	private boolean headsWatched;

	private boolean awaitingHead = true;

	private ScheduledFuture<?> deadline;

	RequestHeadTimeout(long timeoutNanos) {
		this.timeoutNanos = timeoutNanos;
	}

	/** For right before the HTTP/1.1 codec: starts the clock when the first byte of a head arrives. */
	ChannelHandler rawReads() {
		return new RawReads();
	}

	/** For right after the HTTP/1.1 codec: stops the clock at a complete head, rearms after the body. */
	ChannelHandler heads() {
		return new Heads();
	}

	private void start(ChannelHandlerContext ctx) {
		if (ctx.pipeline().get(NettyPipeline.HttpCodec) == null) {
			// The connection was upgraded to HTTP/2 (h2c): there are no HTTP/1.1 heads to time any more.
			this.headsWatched = false;
			return;
		}
		this.deadline = ctx.executor().schedule(() -> expire(ctx), this.timeoutNanos, TimeUnit.NANOSECONDS);
	}

	private void expire(ChannelHandlerContext ctx) {
		this.deadline = null;
		if (this.awaitingHead && ctx.channel().isActive()) {
			log.debug("Closing a connection whose request head did not arrive in time");
			ctx.channel().close();
		}
	}

	private void stop() {
		if (this.deadline != null) {
			this.deadline.cancel(false);
			this.deadline = null;
		}
	}

	/** Sees the bytes the codec is about to decode. */
	private final class RawReads extends ChannelInboundHandlerAdapter {

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
			if (RequestHeadTimeout.this.headsWatched && RequestHeadTimeout.this.awaitingHead
					&& RequestHeadTimeout.this.deadline == null && msg instanceof ByteBuf bytes && bytes.isReadable()) {
				start(ctx);
			}
			ctx.fireChannelRead(msg);
		}

		@Override
		public void channelInactive(ChannelHandlerContext ctx) throws Exception {
			stop();
			ctx.fireChannelInactive();
		}

	}

	/** Sees decoded HTTP/1.1 messages. */
	private final class Heads extends ChannelInboundHandlerAdapter {

		@Override
		public void handlerAdded(ChannelHandlerContext ctx) {
			RequestHeadTimeout.this.headsWatched = true;
			// The first head is timed from now (the connection, or the end of its TLS handshake): bytes may
			// already have reached the codec, replayed by the protocol negotiation before these handlers came.
			if (RequestHeadTimeout.this.deadline == null) {
				start(ctx);
			}
		}

		@Override
		public void handlerRemoved(ChannelHandlerContext ctx) {
			RequestHeadTimeout.this.headsWatched = false;
			stop();
		}

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
			if (msg instanceof HttpRequest) {
				RequestHeadTimeout.this.awaitingHead = false;
				stop();
			}
			if (msg instanceof LastHttpContent) {
				// The next byte begins the next request's head.
				RequestHeadTimeout.this.awaitingHead = true;
			}
			ctx.fireChannelRead(msg);
		}

	}

}
