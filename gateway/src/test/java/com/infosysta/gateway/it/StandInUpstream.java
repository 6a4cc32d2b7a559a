package com.infosysta.gateway.it;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.ReadOnlyHttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A real HTTP/1.1 upstream for the gateway's integration tests.
 *
 * <p>It is a socket server rather than a mock so the tests exercise the gateway's real client
 * path (connection pool, streaming, premature closes). Bodies are never held in memory in either
 * direction: request bodies are reduced to a byte count and a SHA-256 as they stream in, and
 * download bodies are generated chunk by chunk on demand, so multi-gigabyte transfers can prove
 * the gateway streams without the stand-in itself becoming the memory hog.
 *
 * <p>Behaviour is chosen by the <em>end</em> of the path so that the same server can sit behind
 * any context path the gateway maps (for example {@code /jira/rest/...}). Every request body is
 * fully consumed before the response starts, which keeps the connection reusable and means a
 * {@link Received} record is always visible by the time the client sees a response.
 */
public final class StandInUpstream implements AutoCloseable {

    /** Download bodies are emitted in pieces of this size; a multiple of 256 keeps the pattern aligned. */
    static final int CHUNK_SIZE = 64 * 1024;

    private static final Pattern DOWNLOAD = Pattern.compile(".*/download/(?:.*/)?(\\d{1,18})");
    private static final Pattern SLOW = Pattern.compile(".*/slow/(?:.*/)?(\\d{1,9})");
    /** 1xx cannot be a final response, so only 200-599 are honoured; anything else is echoed. */
    private static final Pattern STATUS = Pattern.compile(".*/status/([2-5]\\d\\d)");

    private static final String COUNT_HEADER = "X-Upstream-Request-Count";
    private static final HexFormat HEX = HexFormat.of();

    /**
     * Looked up once on the JUnit thread: the first {@code MessageDigest.getInstance} may read
     * security configuration from disk, which BlockHound would flag on an event loop.
     */
    private static final MessageDigest SHA256_PROTOTYPE = newSha256();

    private final DisposableServer server;
    private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
    private final AtomicLong requestCount = new AtomicLong();

    /**
     * One request as the upstream saw it, recorded after its body was fully read.
     *
     * @param method      the request method
     * @param uri         the raw request-target, byte-exact as sent (not decoded or normalised)
     * @param headers     a read-only copy of the request headers
     * @param bodyBytes   number of body bytes received
     * @param bodySha256Hex lower-case hex SHA-256 of the body
     */
    public record Received(String method, String uri, HttpHeaders headers, long bodyBytes, String bodySha256Hex) {

        /** Copies into read-only headers so a test cannot mutate what the upstream recorded. */
        public Received {
            headers = readOnlyCopy(headers);
        }

        private static HttpHeaders readOnlyCopy(HttpHeaders source) {
            if (source instanceof ReadOnlyHttpHeaders) {
                return source;
            }
            List<CharSequence> pairs = new ArrayList<>(source.size() * 2);
            for (Map.Entry<String, String> e : source) {
                pairs.add(e.getKey());
                pairs.add(e.getValue());
            }
            return new ReadOnlyHttpHeaders(false, pairs.toArray(new CharSequence[0]));
        }
    }

    private StandInUpstream() {
        this.server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                // Generous limits: the gateway's own limits are under test, not the stand-in's.
                .httpRequestDecoder(spec -> spec.maxInitialLineLength(64 * 1024).maxHeaderSize(64 * 1024))
                .handle(this::handle)
                .bindNow();
    }

    /** Binds on an ephemeral port; call from a test thread, never from an event loop. */
    public static StandInUpstream start() {
        return new StandInUpstream();
    }

    public int port() {
        return server.port();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    /** Snapshot in arrival order (of body completion). */
    public List<Received> received() {
        return List.copyOf(received);
    }

    public Received lastReceived() {
        Received last = null;
        for (Received r : received) {
            last = r;
        }
        if (last == null) {
            throw new AssertionError("the stand-in upstream has not received any request");
        }
        return last;
    }

    public int count() {
        return received.size();
    }

    /** Forgets recorded requests and restarts the {@code X-Upstream-Request-Count} sequence. */
    public void clear() {
        received.clear();
        requestCount.set(0);
    }

    @Override
    public void close() {
        server.disposeNow();
    }

    /**
     * SHA-256 of the first {@code n} download bytes, computed in chunks so tests can verify
     * very large downloads without materialising them.
     */
    public static String expectedDownloadSha256(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative length: " + n);
        }
        MessageDigest digest = sha256();
        DownloadBytes bytes = new DownloadBytes(n);
        int len;
        while ((len = bytes.fillNext()) > 0) {
            digest.update(bytes.scratch, 0, len);
        }
        return HEX.formatHex(digest.digest());
    }

    private Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        response.header(COUNT_HEADER, Long.toString(requestCount.incrementAndGet()));
        String uri = request.uri();
        String path = pathOf(uri);
        return consume(request, uri)
                .flatMap(rec -> {
                    received.add(rec);
                    return respond(path, rec, request, response);
                });
    }

    /** Streams the request body through a digest; Reactor Netty releases each buffer after onNext. */
    private static Mono<Received> consume(HttpServerRequest request, String uri) {
        return Mono.defer(() -> {
            MessageDigest digest = sha256();
            long[] bytes = {0L};
            return request.receive()
                    .doOnNext(buf -> {
                        bytes[0] += buf.readableBytes();
                        // nioBuffer() is a view (or copy) with its own position; the ByteBuf is untouched.
                        digest.update(buf.nioBuffer());
                    })
                    .then(Mono.fromCallable(() -> new Received(
                            request.method().name(),
                            uri,
                            request.requestHeaders(),
                            bytes[0],
                            HEX.formatHex(digest.digest()))));
        });
    }

    private static Mono<Void> respond(String path, Received rec, HttpServerRequest request,
                                      HttpServerResponse response) {
        Matcher m = DOWNLOAD.matcher(path);
        if (m.matches()) {
            return download(response, Long.parseLong(m.group(1)));
        }
        if (path.endsWith("/redirect")) {
            String location = request.requestHeaders().get("X-Test-Location");
            response.status(HttpResponseStatus.FOUND).header(HttpHeaderNames.CONTENT_LENGTH, "0");
            if (location != null) {
                response.header(HttpHeaderNames.LOCATION, location);
            }
            return response.send();
        }
        if (path.endsWith("/set-cookie")) {
            response.addHeader(HttpHeaderNames.SET_COOKIE, "a=1; Path=/")
                    .addHeader(HttpHeaderNames.SET_COOKIE, "b=2; HttpOnly")
                    .header(HttpHeaderNames.CACHE_CONTROL, "max-age=3600");
            return sendText(response, HttpResponseStatus.OK, "application/json", "{\"ok\":true}");
        }
        m = SLOW.matcher(path);
        if (m.matches()) {
            long millis = Long.parseLong(m.group(1));
            return Mono.delay(Duration.ofMillis(millis))
                    .then(Mono.defer(() -> sendText(response, HttpResponseStatus.OK, "text/plain", "slow")));
        }
        if (path.endsWith("/reset")) {
            return reset(response);
        }
        if (path.endsWith("/cut-mid-body")) {
            // Promises 100,000 bytes, sends 1,000, then closes: a Jira that dies halfway through an answer.
            return response.status(HttpResponseStatus.OK)
                    .header(HttpHeaderNames.CONTENT_LENGTH, "100000")
                    .sendByteArray(Mono.just(new byte[1000]))
                    .then()
                    .then(reset(response));
        }
        m = STATUS.matcher(path);
        if (m.matches()) {
            HttpResponseStatus status = HttpResponseStatus.valueOf(Integer.parseInt(m.group(1)));
            // A test can make the answer carry headers: X-Test-Response-Retry-After: 30 -> Retry-After: 30.
            request.requestHeaders().forEach(header -> {
                if (header.getKey().regionMatches(true, 0, "X-Test-Response-", 0, 16)) {
                    response.addHeader(header.getKey().substring(16), header.getValue());
                }
            });
            if (status.code() == 204 || status.code() == 304) {
                // These must not carry a body; Reactor Netty frames them without one.
                return response.status(status).send();
            }
            return sendText(response, status, "text/plain", "status");
        }
        response.header("X-Upstream", "stand-in");
        String json = "{\"method\":" + jsonString(rec.method())
                + ",\"uri\":" + jsonString(rec.uri())
                + ",\"bytes\":" + rec.bodyBytes()
                + ",\"sha256\":" + jsonString(rec.bodySha256Hex()) + "}";
        return sendText(response, HttpResponseStatus.OK, "application/json", json);
    }

    private static Mono<Void> download(HttpServerResponse response, long n) {
        response.status(HttpResponseStatus.OK)
                .header(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream")
                .header(HttpHeaderNames.CONTENT_LENGTH, Long.toString(n));
        return response.send(downloadBody(n, response.alloc())).then();
    }

    /**
     * Each buffer is allocated only when the channel asks for more, so at most the transport's
     * small prefetch window is in memory; buffers handed to Reactor Netty are released by it.
     */
    private static Flux<ByteBuf> downloadBody(long n, ByteBufAllocator alloc) {
        return Flux.generate(() -> new DownloadBytes(n), (bytes, sink) -> {
            int len = bytes.fillNext();
            if (len == 0) {
                sink.complete();
                return bytes;
            }
            ByteBuf buf = alloc.buffer(len);
            buf.writeBytes(bytes.scratch, 0, len);
            sink.next(buf);
            if (bytes.remaining() == 0) {
                sink.complete();
            }
            return bytes;
        });
    }

    /**
     * Closes the socket without writing a byte, so the gateway's client observes a premature close
     * (FIN before any response) rather than a status. The returned Mono completes only once the
     * close is done, so Reactor Netty's end-of-handler response can only hit a closed channel.
     */
    private static Mono<Void> reset(HttpServerResponse response) {
        return Mono.create(sink -> response.withConnection(connection ->
                connection.channel().close().addListener(done -> sink.success())));
    }

    private static Mono<Void> sendText(HttpServerResponse response, HttpResponseStatus status,
                                       String contentType, String text) {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        return response.status(status)
                .header(HttpHeaderNames.CONTENT_TYPE, contentType)
                .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(body.length))
                .sendByteArray(Mono.just(body))
                .then();
    }

    /** The path part of a request-target (origin-form or absolute-form), without the query. */
    private static String pathOf(String uri) {
        String path = uri;
        int q = path.indexOf('?');
        if (q >= 0) {
            path = path.substring(0, q);
        }
        int scheme = path.indexOf("://");
        if (scheme > 0 && !path.startsWith("/")) {
            int slash = path.indexOf('/', scheme + 3);
            path = slash < 0 ? "/" : path.substring(slash);
        }
        return path;
    }

    private static String jsonString(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    private static MessageDigest sha256() {
        try {
            return (MessageDigest) SHA256_PROTOTYPE.clone();
        } catch (CloneNotSupportedException e) {
            return newSha256();
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory on every JVM", e);
        }
    }

    /** The download pattern, byte i = (byte) (i * 31 + 7), produced one chunk at a time into a reused array. */
    private static final class DownloadBytes {
        final byte[] scratch;
        private final long total;
        private long offset;

        DownloadBytes(long total) {
            this.total = total;
            this.scratch = new byte[(int) Math.min(CHUNK_SIZE, total)];
        }

        long remaining() {
            return total - offset;
        }

        /** Fills {@link #scratch} with the next chunk; returns its length, 0 when exhausted. */
        int fillNext() {
            int len = (int) Math.min(CHUNK_SIZE, remaining());
            for (int j = 0; j < len; j++) {
                scratch[j] = (byte) ((offset + j) * 31 + 7);
            }
            offset += len;
            return len;
        }
    }
}
