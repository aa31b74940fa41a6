package io.visprompt.remote;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A small HTTP server in front of a real OIP endpoint that injects faults into inference requests: by request
 * number, one in {@code every500} answers 500, one in {@code every429} answers 429 with Retry-After, one in
 * {@code everyHang} hangs (longer than the client's timeout); the rest are passed through. {@link #goDown} makes
 * every request answer 503. Under {@code /html/} it answers a web page, as a non-OIP server would.
 */
final class FaultyEndpoint implements AutoCloseable {

    final AtomicInteger infers = new AtomicInteger();
    final AtomicInteger injected500 = new AtomicInteger();
    final AtomicInteger injected429 = new AtomicInteger();
    final AtomicInteger injectedHangs = new AtomicInteger();
    private final HttpServer server;
    private final HttpClient client = HttpClient.newHttpClient();
    private final String target;
    private volatile int every500;
    private volatile int every429;
    private volatile int everyHang;
    private volatile Duration hang = Duration.ofSeconds(3);
    private volatile boolean down;
    private volatile boolean hangAll;

    FaultyEndpoint(String target) throws IOException {
        this.target = target;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    FaultyEndpoint faults(int every500, int every429, int everyHang) {
        this.every500 = every500;
        this.every429 = every429;
        this.everyHang = everyHang;
        return this;
    }

    void goDown() {
        down = true;
    }

    /** Every inference request hangs for {@code duration}. */
    void hangAll(Duration duration) {
        hang = duration;
        hangAll = true;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (path.startsWith("/html/")) {
                answer(exchange, 200, "text/html", "<html><body>Welcome</body></html>");
                return;
            }
            if (down) {
                answer(exchange, 503, "text/plain", "down");
                return;
            }
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            if (path.endsWith("/infer")) {
                int n = infers.incrementAndGet();
                if (hangAll || everyHang > 0 && n % everyHang == 0) {
                    injectedHangs.incrementAndGet();
                    sleep(hang);
                    return;
                }
                if (every500 > 0 && n % every500 == 1) {
                    injected500.incrementAndGet();
                    answer(exchange, 500, "text/plain", "injected");
                    return;
                }
                if (every429 > 0 && n % every429 == 2) {
                    injected429.incrementAndGet();
                    exchange.getResponseHeaders().add("Retry-After", "1");
                    answer(exchange, 429, "text/plain", "slow down");
                    return;
                }
            }
            HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(target + exchange.getRequestURI()))
                    .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            for (String header : new String[] {"Authorization", "Content-Type", "Accept"}) {
                String value = exchange.getRequestHeaders().getFirst(header);
                if (value != null) {
                    forward.header(header, value);
                }
            }
            HttpResponse<byte[]> response = client.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
            exchange.getResponseHeaders().add("Content-Type",
                    response.headers().firstValue("Content-Type").orElse("application/json"));
            exchange.sendResponseHeaders(response.statusCode(), response.body().length == 0 ? -1
                    : response.body().length);
            exchange.getResponseBody().write(response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void answer(HttpExchange exchange, int status, String type, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static void sleep(Duration duration) throws InterruptedException {
        Thread.sleep(duration.toMillis());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
