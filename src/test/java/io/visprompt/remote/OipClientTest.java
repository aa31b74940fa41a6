package io.visprompt.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The retrying client without Spring, against a local HTTP server. */
class OipClientTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static RemoteProperties properties(int maxInFlight) {
        return new RemoteProperties(Duration.ofSeconds(1), Duration.ofSeconds(5), 4, Duration.ofMillis(10),
                Duration.ofMillis(50), maxInFlight, "VISPROMPT_REMOTE_SECRET_", Path.of("/nonexistent"));
    }

    private String serve(com.sun.net.httpserver.HttpHandler handler) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", handler);
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Test
    void retryAfterIsReadAsSecondsOrAnHttpDateAndCappedAtAMinute() {
        assertThat(OipClient.retryAfter("3")).isEqualTo(Duration.ofSeconds(3));
        assertThat(OipClient.retryAfter("3600")).isEqualTo(Duration.ofSeconds(60));
        String inTenSeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)
                .plusSeconds(10));
        assertThat(OipClient.retryAfter(inTenSeconds)).isBetween(Duration.ofSeconds(8), Duration.ofSeconds(10));
        assertThat(OipClient.retryAfter("soon")).isNull();
        assertThat(OipClient.retryAfter(null)).isNull();
    }

    @Test
    void backoffIsJitteredBelowAnExponentialCap() {
        OipClient client = new OipClient(properties(1), meters);
        for (int attempt = 1; attempt <= 6; attempt++) {
            long cap = Math.min(50, 10L << (attempt - 1));
            for (int i = 0; i < 50; i++) {
                assertThat(client.backoff(attempt).toMillis()).isBetween(0L, cap);
            }
        }
    }

    @Test
    void a429IsRetriedAfterItsRetryAfterAndA500AfterABackoff() throws IOException {
        AtomicInteger calls = new AtomicInteger();
        List<Long> arrivals = new ArrayList<>();
        String url = serve(exchange -> {
            exchange.getRequestBody().readAllBytes();
            synchronized (arrivals) {
                arrivals.add(System.nanoTime());
            }
            int n = calls.incrementAndGet();
            if (n == 1) {
                exchange.getResponseHeaders().add("Retry-After", "1");
                answer(exchange, 429, "slow down");
            } else if (n == 2) {
                answer(exchange, 500, "oops");
            } else {
                answer(exchange, 200, "{\"outputs\": []}");
            }
        });
        QueryControl control = new QueryControl(() -> false);

        byte[] body = new OipClient(properties(1), meters).infer(url, url + "/v2/models/m/infer", new byte[] {'{', '}'},
                Map.of(), control);

        assertThat(new String(body, StandardCharsets.UTF_8)).contains("outputs");
        assertThat(calls.get()).isEqualTo(3);
        assertThat(control.retries()).isEqualTo(2);
        assertThat(control.errors()).isEqualTo(2);
        assertThat(TimeUnit.NANOSECONDS.toMillis(arrivals.get(1) - arrivals.get(0)))
                .as("waited for Retry-After").isGreaterThanOrEqualTo(950);
        assertThat(meters.get("visprompt.remote.retries").tag("reason", "http_429").counter().count()).isEqualTo(1);
        assertThat(meters.get("visprompt.remote.retries").tag("reason", "http_500").counter().count()).isEqualTo(1);
    }

    @Test
    void aRefusalOtherThan429IsNotRetriedAndNamesTheEndpoint() throws IOException {
        AtomicInteger calls = new AtomicInteger();
        String url = serve(exchange -> {
            calls.incrementAndGet();
            answer(exchange, 401, "who are you");
        });
        assertThatThrownBy(() -> new OipClient(properties(1), meters).infer(url, url + "/v2/models/m/infer",
                new byte[0], Map.of(), new QueryControl(() -> false)))
                .isInstanceOf(RemoteEndpointUnavailable.class).hasMessageContaining(url).hasMessageContaining("401");
        assertThat(calls.get()).isEqualTo(1);
    }

    @Test
    void noMoreThanMaxInFlightQueriesReachOneEndpointAtOnce() throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        String url = serve(exchange -> {
            int now = inFlight.incrementAndGet();
            most.accumulateAndGet(now, Math::max);
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inFlight.decrementAndGet();
            answer(exchange, 200, "{}");
        });
        OipClient client = new OipClient(properties(2), meters);
        List<CompletableFuture<byte[]>> queries = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            queries.add(CompletableFuture.supplyAsync(() -> client.infer(url, url + "/v2/models/m/infer",
                    new byte[0], Map.of(), new QueryControl(() -> false)), Executors.newSingleThreadExecutor()));
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> inFlight.get() == 2);
        release.countDown();
        CompletableFuture.allOf(queries.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        assertThat(most.get()).isEqualTo(2);
    }
}
