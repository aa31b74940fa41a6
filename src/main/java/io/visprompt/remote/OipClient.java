package io.visprompt.remote;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.springframework.stereotype.Component;

/**
 * HTTP to Open Inference Protocol endpoints, with java.net.http. Inference queries are retried on 429 (after its
 * Retry-After), 5xx, timeouts and connection errors, with exponential backoff and full jitter; at most
 * {@code max-in-flight} queries per endpoint are in flight at once over the whole process; a query checks its
 * {@link QueryControl} every {@value #POLL_MILLIS} ms while it waits, so a cancelled job stops mid-query. Meters are
 * tagged with the endpoint's scheme, host and port only (never a header).
 */
@Component
class OipClient {

    private static final long POLL_MILLIS = 50;
    /** The longest Retry-After honoured; a longer one is waited for this long, then the try counts as failed. */
    private static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(60);

    record Answer(int status, byte[] body) {
    }

    private final RemoteProperties properties;
    private final MeterRegistry meters;
    private final HttpClient http;
    private final Map<String, Semaphore> inFlight = new ConcurrentHashMap<>();

    OipClient(RemoteProperties properties, MeterRegistry meters) {
        this.properties = properties;
        this.meters = meters;
        this.http = HttpClient.newBuilder().connectTimeout(properties.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER).version(HttpClient.Version.HTTP_1_1).build();
    }

    /** One GET, no retries (registration checks): the answer, or IOException when there is none. */
    Answer get(String url, Map<String, String> headers) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(properties.requestTimeout())
                .header("Accept", "application/json").GET();
        headers.forEach(request::header);
        try {
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Answer(response.statusCode(), response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /**
     * POSTs an inference request, retrying as described above, and returns the 200 answer's body.
     *
     * @param endpoint the endpoint's base URL (what meters, logs and failures name)
     * @throws RemoteEndpointUnavailable when every try failed, or the endpoint refused the request (another 4xx)
     * @throws RemoteQueryCancelled      when {@code control} asked to stop
     */
    byte[] infer(String endpoint, String url, byte[] body, Map<String, String> headers, QueryControl control) {
        Semaphore slots = inFlight.computeIfAbsent(endpoint, e -> new Semaphore(properties.maxInFlight(), true));
        String lastError = "no try";
        int attempts = Math.max(1, properties.maxAttempts());
        for (int attempt = 1; attempt <= attempts; attempt++) {
            Duration retryAfter = null;
            acquire(slots, endpoint, control);
            long started = System.nanoTime();
            String outcome;
            try {
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                        .timeout(properties.requestTimeout()).header("Content-Type", "application/json")
                        .header("Accept", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
                headers.forEach(request::header);
                HttpResponse<byte[]> response = await(http.sendAsync(request.build(),
                        HttpResponse.BodyHandlers.ofByteArray()), endpoint, control);
                int status = response.statusCode();
                if (status == 200) {
                    record(endpoint, "ok", started);
                    control.countQuery();
                    return response.body();
                }
                outcome = "http_" + status;
                lastError = "HTTP " + status;
                if (status != 429 && status < 500) {
                    // the endpoint understood and refused (auth, a bad request): another try would be refused too
                    record(endpoint, outcome, started);
                    control.countError();
                    throw new RemoteEndpointUnavailable(endpoint, attempt, lastError);
                }
                if (status == 429) {
                    retryAfter = retryAfter(response.headers().firstValue("Retry-After").orElse(null));
                }
            } catch (HttpTimeoutException e) {
                outcome = "timeout";
                lastError = "no answer within " + properties.requestTimeout().toMillis() + " ms";
            } catch (IOException e) {
                outcome = "connection";
                lastError = e instanceof ConnectException ? "connection refused" : "connection error";
            } finally {
                slots.release();
            }
            record(endpoint, outcome, started);
            control.countError();
            if (attempt < attempts) {
                control.countRetry();
                Counter.builder("visprompt.remote.retries").tag("endpoint", endpoint).tag("reason", outcome)
                        .description("Queries to remote endpoints tried again").register(meters).increment();
                sleep(retryAfter != null ? retryAfter : backoff(attempt), endpoint, control);
            }
        }
        throw new RemoteEndpointUnavailable(endpoint, attempts, lastError);
    }

    /** Full jitter: uniform in [0, min(max, initial * 2^(attempt-1))]. */
    Duration backoff(int attempt) {
        long cap = Math.min(properties.maxBackoff().toMillis(),
                properties.initialBackoff().toMillis() << Math.min(20, attempt - 1));
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(cap + 1));
    }

    /** Retry-After as delta-seconds or an HTTP date; null when absent or unreadable. */
    static Duration retryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        Duration wait;
        try {
            wait = Duration.ofSeconds(Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            try {
                wait = Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(value.trim(),
                        DateTimeFormatter.RFC_1123_DATE_TIME));
            } catch (RuntimeException unreadable) {
                return null;
            }
        }
        if (wait.isNegative()) {
            return Duration.ZERO;
        }
        return wait.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : wait;
    }

    private void record(String endpoint, String outcome, long startedNanos) {
        Timer.builder("visprompt.remote.query.latency").tag("endpoint", endpoint).tag("outcome", outcome)
                .description("Wall time of one try of a query to a remote endpoint").register(meters)
                .record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
        if (!"ok".equals(outcome)) {
            Counter.builder("visprompt.remote.errors").tag("endpoint", endpoint).tag("reason", outcome)
                    .description("Failed tries of queries to remote endpoints").register(meters).increment();
        }
    }

    private static void acquire(Semaphore slots, String endpoint, QueryControl control) {
        try {
            while (!slots.tryAcquire(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                if (control.cancelled()) {
                    throw new RemoteQueryCancelled(endpoint);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RemoteQueryCancelled(endpoint);
        }
        if (control.cancelled()) {
            slots.release();
            throw new RemoteQueryCancelled(endpoint);
        }
    }

    private static HttpResponse<byte[]> await(CompletableFuture<HttpResponse<byte[]>> pending, String endpoint,
            QueryControl control) throws IOException {
        try {
            while (true) {
                try {
                    return pending.get(POLL_MILLIS, TimeUnit.MILLISECONDS);
                } catch (TimeoutException stillWaiting) {
                    if (control.cancelled()) {
                        pending.cancel(true);
                        throw new RemoteQueryCancelled(endpoint);
                    }
                }
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        } catch (CancellationException e) {
            throw new RemoteQueryCancelled(endpoint);
        } catch (InterruptedException e) {
            pending.cancel(true);
            Thread.currentThread().interrupt();
            throw new RemoteQueryCancelled(endpoint);
        }
    }

    private static void sleep(Duration wait, String endpoint, QueryControl control) {
        long until = System.nanoTime() + wait.toNanos();
        try {
            for (long left = until - System.nanoTime(); left > 0; left = until - System.nanoTime()) {
                if (control.cancelled()) {
                    throw new RemoteQueryCancelled(endpoint);
                }
                TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RemoteQueryCancelled(endpoint);
        }
    }
}
