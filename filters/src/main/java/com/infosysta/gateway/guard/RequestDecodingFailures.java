package com.infosysta.gateway.guard;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.infosysta.gateway.problem.GatewayProblemException;
import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.problem.ProblemType;

/**
 * What happens to a request Netty's HTTP/1.1 codec cannot decode. Sits right after the codec.
 * <ul>
 * <li>A head that cannot be decoded (request line or header block too long, ambiguous framing such as
 * {@code Content-Length} with {@code Transfer-Encoding}, bare LF, an invalid field) is answered with the
 * gateway's problem document (414, 431 or 400), {@code Cache-Control: no-store}, and the connection is closed;
 * whatever followed on the connection is never read, so a smuggled second request goes nowhere. Reactor Netty
 * would answer with the same status and no body; it still does while earlier responses on the connection are
 * owed, to keep their order.</li>
 * <li>A body that cannot be decoded (a malformed chunk) fails the request instead of ending it: Reactor Netty
 * would complete the body with what had arrived, and the upstream would receive a shorter request as if it
 * were whole. Failing it aborts the upstream call mid-request; the client gets 400 if nothing was answered
 * yet, and the connection is closed after the answer.</li>
 * </ul>
 * Nothing from the request is logged or echoed.
 */
final class RequestDecodingFailures extends ChannelDuplexHandler {

	private static final Logger log = LoggerFactory.getLogger(RequestDecodingFailures.class);

	/** Requests passed on whose response has not been written completely. */
	private int unanswered;

	private boolean closeAfterResponse;

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
		if (msg instanceof HttpObject http && http.decoderResult().isFailure()) {
			Throwable cause = http.decoderResult().cause();
			if (!(msg instanceof HttpRequest)) {
				ReferenceCountUtil.release(msg);
				log.debug("Failing a request whose body could not be decoded: {}", cause.getClass().getName());
				this.closeAfterResponse = true;
				ctx.fireExceptionCaught(new GatewayProblemException(ProblemType.MALFORMED_REQUEST,
						"The request body could not be read."));
				return;
			}
			if (!ctx.channel().isActive()) {
				// A head cut short by the connection closing: nobody is left to answer.
				ReferenceCountUtil.release(msg);
				return;
			}
			if (this.unanswered == 0) {
				ReferenceCountUtil.release(msg);
				log.debug("Answering a request head that could not be decoded: {}", cause.getClass().getName());
				answer(ctx, cause);
				return;
			}
		}
		if (msg instanceof HttpRequest) {
			this.unanswered++;
		}
		ctx.fireChannelRead(msg);
	}

	@Override
	public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
		boolean informational = msg instanceof HttpResponse response
				&& response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
		if (msg instanceof LastHttpContent && !informational) {
			this.unanswered = Math.max(0, this.unanswered - 1);
			if (this.closeAfterResponse) {
				ctx.write(msg, promise.unvoid()).addListener(ChannelFutureListener.CLOSE);
				return;
			}
		}
		ctx.write(msg, promise);
	}

	private static void answer(ChannelHandlerContext ctx, Throwable cause) {
		ProblemType type;
		String detail;
		if (cause instanceof TooLongHttpLineException) {
			type = ProblemType.URI_TOO_LONG;
			detail = "The request line is longer than the gateway accepts.";
		}
		else if (cause instanceof TooLongHttpHeaderException) {
			type = ProblemType.HEADERS_TOO_LARGE;
			detail = "The request's header fields are larger than the gateway accepts.";
		}
		else {
			type = ProblemType.MALFORMED_REQUEST;
			detail = "The request could not be read.";
		}
		String requestId = RequestGuardFilter.requestId(null);
		byte[] body = ProblemResponseWriter.json(type, detail, requestId).getBytes(StandardCharsets.UTF_8);
		FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
				HttpResponseStatus.valueOf(type.status().value()), Unpooled.wrappedBuffer(body));
		HttpHeaders headers = response.headers();
		headers.set(HttpHeaderNames.CONTENT_TYPE, ProblemResponseWriter.PROBLEM_JSON.toString());
		headers.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
		headers.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
		headers.set(RequestGuardFilter.REQUEST_ID_HEADER, requestId);
		headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
		ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
	}

}
