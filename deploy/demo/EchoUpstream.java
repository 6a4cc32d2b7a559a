import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stand-in for a customer's Jira in the README's local demo, so the gateway can be tried with
 * nothing but a JDK: {@code java deploy/demo/EchoUpstream.java [port]}.
 *
 * <p>It reflects back what actually arrived upstream, which is the point of the demo: the raw
 * path and query show what the gateway forwarded byte for byte, and the header <em>names</em>
 * show which headers were added or stripped. Header values are deliberately never echoed because
 * they can carry credentials. Every response sets a {@code JSESSIONID} cookie so the demo can
 * show the gateway refusing to pass upstream sessions to the browser.
 *
 * <p>Binds to loopback only: it answers anyone without authentication.
 */
public final class EchoUpstream {

    private static final int DEFAULT_PORT = 18090;

    private static final String DEMO_ISSUE = "{\"id\":\"10001\",\"key\":\"DEMO-1\",\"fields\":"
            + "{\"summary\":\"Try the Infosysta gateway\",\"status\":{\"name\":\"To Do\"}}}";

    private EchoUpstream() {
    }

    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_PORT;
        // A literal address: no name lookup, and never ::1 or a wildcard whatever the JVM prefers.
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        HttpServer server = HttpServer.create(new InetSocketAddress(loopback, port), 1024);
        // A few threads are plenty for a demo, and bounded so a runaway client cannot exhaust the host.
        AtomicInteger threads = new AtomicInteger();
        // Enough threads for the isolation benchmark's hanging calls (/slow/{ms}) beside the fast ones.
        ExecutorService pool = Executors.newFixedThreadPool(Integer.getInteger("echo.threads", 4),
                runnable -> new Thread(runnable, "echo-upstream-" + threads.incrementAndGet()));
        server.setExecutor(pool);
        server.createContext("/", EchoUpstream::handle);
        server.start();
        System.err.println("echo upstream listening on http://127.0.0.1:" + server.getAddress().getPort());
    }

    private static void handle(HttpExchange exchange) throws IOException {
        try {
            long bodyBytes = drain(exchange.getRequestBody());
            String rawPath = exchange.getRequestURI().getRawPath();
            if (rawPath != null && rawPath.contains("/slow/")) {
                // Stands in for a Jira that hangs: answers after the given milliseconds.
                try {
                    Thread.sleep(Long.parseLong(rawPath.substring(rawPath.lastIndexOf('/') + 1)));
                } catch (NumberFormatException | InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            String json;
            if (rawPath != null && rawPath.endsWith("/issue/DEMO-1")) {
                json = DEMO_ISSUE;
            } else {
                json = describe(exchange, rawPath, bodyBytes);
            }
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.getResponseHeaders().add("Set-Cookie", "JSESSIONID=demo");
            boolean head = "HEAD".equalsIgnoreCase(exchange.getRequestMethod());
            exchange.sendResponseHeaders(200, head ? -1 : body.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        } finally {
            exchange.close();
        }
    }

    private static String describe(HttpExchange exchange, String rawPath, long bodyBytes) {
        String rawQuery = exchange.getRequestURI().getRawQuery();
        TreeSet<String> names = new TreeSet<>();
        for (String name : exchange.getRequestHeaders().keySet()) {
            names.add(name.toLowerCase(Locale.ROOT));
        }
        StringBuilder json = new StringBuilder(256);
        json.append("{\"method\":").append(quote(exchange.getRequestMethod()));
        json.append(",\"path\":").append(quote(rawPath));
        json.append(",\"query\":").append(quote(rawQuery));
        json.append(",\"headerNames\":[");
        boolean first = true;
        for (String name : names) {
            if (!first) {
                json.append(',');
            }
            json.append(quote(name));
            first = false;
        }
        json.append("],\"bodyBytes\":").append(bodyBytes).append('}');
        return json.toString();
    }

    /** Counts the body without keeping it, so large uploads through the gateway cost no memory here. */
    private static long drain(InputStream in) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        long total = 0;
        try (in) {
            int n;
            while ((n = in.read(buffer)) != -1) {
                total += n;
            }
        }
        return total;
    }

    /** JSON string literal, or {@code null} for an absent value (e.g. no query at all). */
    private static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
