package com.infosysta.gateway.guard;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.netty.ConnectionObserver;
import reactor.netty.NettyPipeline;

import org.springframework.util.unit.DataSize;

import com.infosysta.gateway.problem.GatewayProblemException;
import com.infosysta.gateway.problem.ProblemType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The connection guard on an embedded channel with Netty's real HTTP/1.1 codec (request line 256 bytes, header
 * block 512 bytes), so each case is decided by the same decoder as in production, on virtual time.
 */
final class ConnectionGuardTest {

	private final ConnectionGuard guard = new ConnectionGuard(new LimitsProperties(DataSize.ofMegabytes(1), Map.of(),
			100, Duration.ofSeconds(10), Duration.ofSeconds(60), 2, 100));

	private final List<EmbeddedChannel> channels = new ArrayList<>();

	@AfterEach
	void closeChannels() {
		for (EmbeddedChannel channel : this.channels) {
			channel.finishAndReleaseAll();
		}
	}

	@Test
	void answersAHeaderBlockTooLargeWith431ProblemAndCloses() {
		Recorder app = new Recorder();
		EmbeddedChannel channel = http11(app);

		channel.writeInbound(bytes("GET /jira/acme/x HTTP/1.1\r\nHost: g\r\nX-Big: " + "a".repeat(600) + "\r\n\r\n"));

		String answer = answer(channel);
		assertThat(answer).startsWith("HTTP/1.1 431 ")
			.contains("content-type: application/problem+json")
			.contains("cache-control: no-store")
			.contains("connection: close")
			.contains("\"reason\":\"headers-too-large\"")
			.containsPattern("X-Request-Id: [0-9a-f]{32}");
		assertThat(channel.isOpen()).isFalse();
		assertThat(app.messages).isEmpty();
	}

	@Test
	void answersARequestLineTooLongWith414Problem() {
		Recorder app = new Recorder();
		EmbeddedChannel channel = http11(app);

		channel.writeInbound(bytes("GET /jira/acme/" + "a".repeat(300) + " HTTP/1.1\r\nHost: g\r\n\r\n"));

		assertThat(answer(channel)).startsWith("HTTP/1.1 414 ").contains("\"reason\":\"uri-too-long\"");
		assertThat(channel.isOpen()).isFalse();
		assertThat(app.messages).isEmpty();
	}

	@Test
	void answersContentLengthWithTransferEncodingWith400AndNeverReadsTheSmuggledRequest() {
		Recorder app = new Recorder();
		EmbeddedChannel channel = http11(app);

		channel.writeInbound(bytes("POST /jira/acme/x HTTP/1.1\r\nHost: g\r\nContent-Length: 40\r\n"
				+ "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /jira/acme/smuggled HTTP/1.1\r\nHost: g\r\n\r\n"));

		String answer = answer(channel);
		assertThat(answer).startsWith("HTTP/1.1 400 ").contains("\"reason\":\"malformed-request\"");
		assertThat(answer).doesNotContain("smuggled");
		assertThat(channel.isOpen()).isFalse();
		assertThat(app.messages).isEmpty();
	}

	@Test
	void failsARequestWhoseChunkCannotBeDecodedInsteadOfEndingIt() {
		Recorder app = new Recorder();
		EmbeddedChannel channel = http11(app);

		channel.writeInbound(bytes("POST /jira/acme/x HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\n\r\n"
				+ "5\r\nhello\r\nzz\r\n"));

		assertThat(app.messages).hasSize(2);
		assertThat(app.messages.get(0)).isInstanceOf(HttpRequest.class);
		assertThat(app.messages.get(1)).isInstanceOf(HttpContent.class).isNotInstanceOf(LastHttpContent.class);
		assertThat(app.failures).singleElement()
			.isInstanceOfSatisfying(GatewayProblemException.class,
					problem -> assertThat(problem.problemType()).isEqualTo(ProblemType.MALFORMED_REQUEST));
		// The application's answer goes out, then the connection closes: the rest of its bytes are unreadable.
		channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST));
		assertThat(answer(channel)).startsWith("HTTP/1.1 400 ");
		assertThat(channel.isOpen()).isFalse();
	}

	@Test
	void leavesAFailedHeadToReactorNettyWhileAnEarlierAnswerIsOwed() {
		Recorder app = new Recorder();
		EmbeddedChannel channel = http11(app);

		channel.writeInbound(bytes("GET /jira/acme/first HTTP/1.1\r\nHost: g\r\n\r\n"
				+ "GET /jira/acme/second HTTP/1.1\r\nHost: g\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"));

		// Reactor Netty answers the failed second request after the first one's answer, in order.
		assertThat(app.messages).hasSize(3);
		assertThat(((HttpRequest) app.messages.get(2)).decoderResult().isFailure()).isTrue();
		assertThat((Object) channel.readOutbound()).isNull();
	}

	@Test
	void closesAConnectionWhoseHeadTricklesPastTheTimeout() {
		EmbeddedChannel channel = http11(new Recorder());

		channel.writeInbound(bytes("GET /jira/acme/x HTTP/1.1\r\nHo"));
		advance(channel, 9);
		channel.writeInbound(bytes("st: g\r\nX-A: 1"));
		assertThat(channel.isOpen()).isTrue();
		advance(channel, 2);

		assertThat(channel.isOpen()).isFalse();
	}

	@Test
	void closesANewConnectionThatSendsNoCompleteHeadInTime() {
		EmbeddedChannel silent = http11(new Recorder());
		advance(silent, 9);
		assertThat(silent.isOpen()).isTrue();
		advance(silent, 2);

		assertThat(silent.isOpen()).isFalse();
	}

	@Test
	void neverTimesAnIdleKeepAliveConnectionOrACompleteHead() {
		Recorder app = new Recorder();
		EmbeddedChannel channel = http11(app);

		channel.writeInbound(bytes("GET /jira/acme/x HTTP/1.1\r\nHost: g\r\n\r\n"));
		advance(channel, 60);
		assertThat(channel.isOpen()).isTrue();
		channel.writeInbound(bytes("POST /jira/acme/x HTTP/1.1\r\nHost: g\r\nContent-Length: 3\r\n\r\nab"));
		advance(channel, 60);
		assertThat(channel.isOpen()).as("a slow body is the body-read timeout's business").isTrue();
		channel.writeInbound(bytes("c"));
		advance(channel, 60);
		assertThat(channel.isOpen()).isTrue();

		// The next request's first byte starts the clock again.
		channel.writeInbound(bytes("G"));
		advance(channel, 11);
		assertThat(channel.isOpen()).isFalse();
		assertThat(app.messages.stream().filter(HttpRequest.class::isInstance)).hasSize(2);
	}

	@Test
	void timesNothingWithoutAnHttp11Codec() {
		EmbeddedChannel channel = new EmbeddedChannel();
		this.channels.add(channel);
		this.guard.onChannelInit(ConnectionObserver.emptyListener(), channel, null);

		channel.writeInbound(bytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
		advance(channel, 60);

		assertThat(channel.isOpen()).isTrue();
		ReferenceCountUtil.release(channel.readInbound());
	}

	@Test
	void addsItsHandlersWhenAlpnChoosesHttp11AndTimesTheFirstHeadFromTheHandshake() {
		Recorder app = new Recorder();
		EmbeddedChannel channel = negotiating(app, true);
		assertThat(channel.pipeline().get(ConnectionGuard.HEADS)).isNull();

		advance(channel, 60);
		assertThat(channel.isOpen()).as("the handshake's own timeout applies until it completes").isTrue();
		channel.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
		channel.writeInbound(bytes("GET /jira/acme/x HTTP/1.1\r\nHo"));
		advance(channel, 11);

		assertThat(channel.isOpen()).isFalse();
		assertThat(app.messages).isEmpty();
	}

	@Test
	void answersAnUndecodableHeadAfterAlpnChoseHttp11() {
		EmbeddedChannel channel = negotiating(new Recorder(), true);

		channel.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
		channel.writeInbound(bytes("GET /jira/acme/x HTTP/1.1\r\nHost: g\r\nX-Big: " + "a".repeat(600) + "\r\n\r\n"));

		assertThat(answer(channel)).startsWith("HTTP/1.1 431 ").contains("\"reason\":\"headers-too-large\"");
	}

	@Test
	void addsNothingWhenAlpnChoosesHttp2() {
		EmbeddedChannel channel = negotiating(new Recorder(), false);

		channel.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
		channel.writeInbound(bytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
		advance(channel, 60);

		assertThat(channel.isOpen()).isTrue();
		assertThat(channel.pipeline().names()).noneMatch(name -> name.startsWith("infosysta."));
	}

	@Test
	void closesConnectionsOverTheLimitAndAdmitsNewOnesWhenOthersClose() {
		EmbeddedChannel first = http11(new Recorder());
		EmbeddedChannel second = http11(new Recorder());
		EmbeddedChannel third = http11(new Recorder());

		assertThat(first.isOpen()).isTrue();
		assertThat(second.isOpen()).isTrue();
		assertThat(third.isOpen()).isFalse();
		assertThat(this.guard.openConnections()).isEqualTo(2);

		first.close();
		EmbeddedChannel fourth = http11(new Recorder());

		assertThat(fourth.isOpen()).isTrue();
		assertThat(this.guard.openConnections()).isEqualTo(2);
	}

	/** A channel laid out as Reactor Netty lays out HTTP/1.1, with the guard installed as in production. */
	private EmbeddedChannel http11(Recorder app) {
		EmbeddedChannel channel = new EmbeddedChannel();
		this.channels.add(channel);
		channel.pipeline().addLast(NettyPipeline.HttpCodec, new HttpServerCodec(256, 512, 8192));
		channel.pipeline().addLast("app", app);
		this.guard.onChannelInit(ConnectionObserver.emptyListener(), channel, null);
		return channel;
	}

	/**
	 * A channel laid out as Reactor Netty lays out TLS with HTTP/2 and HTTP/1.1 offered: the codec comes only
	 * when the handshake completes, from the negotiation handler (which then removes itself).
	 */
	private EmbeddedChannel negotiating(Recorder app, boolean http11) {
		EmbeddedChannel channel = new EmbeddedChannel();
		this.channels.add(channel);
		channel.pipeline().addLast(NettyPipeline.H2OrHttp11Codec, new ChannelInboundHandlerAdapter() {

			@Override
			public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
				if (http11) {
					ctx.pipeline().addAfter(ctx.name(), NettyPipeline.HttpCodec, new HttpServerCodec(256, 512, 8192));
				}
				ctx.pipeline().remove(this);
				ctx.fireUserEventTriggered(event);
			}

		});
		channel.pipeline().addLast("app", app);
		this.guard.onChannelInit(ConnectionObserver.emptyListener(), channel, null);
		return channel;
	}

	private static void advance(EmbeddedChannel channel, int seconds) {
		channel.advanceTimeBy(seconds, TimeUnit.SECONDS);
		channel.runScheduledPendingTasks();
	}

	private static ByteBuf bytes(String text) {
		return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
	}

	private static String answer(EmbeddedChannel channel) {
		StringBuilder answer = new StringBuilder();
		for (Object out = channel.readOutbound(); out != null; out = channel.readOutbound()) {
			ByteBuf buffer = (ByteBuf) out;
			answer.append(buffer.toString(StandardCharsets.ISO_8859_1));
			buffer.release();
		}
		return answer.toString();
	}

	/** Stands for Reactor Netty's handlers behind the guard: records what reaches them. */
	private static final class Recorder extends ChannelInboundHandlerAdapter {

		final List<Object> messages = new ArrayList<>();

		final List<Throwable> failures = new ArrayList<>();

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) {
			this.messages.add(msg);
			ReferenceCountUtil.release(msg);
		}

		@Override
		public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
			this.failures.add(cause);
		}

	}

}
