package io.visprompt.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

/** An open event stream ends once its key is revoked, within the key cache's time, not at the stream's timeout. */
class EventStreamRevocationTests extends AccessControlHttpTest {

    @Test
    void anOpenEventStreamEndsWithinTheKeyCacheTtlOfItsKeyBeingRevoked() throws Exception {
        String key = newKey("streams", List.of("datasets:write", "jobs:read", "jobs:write"));
        String dataset = uploaded(client(key), "streamed");
        var job = createJob(client(key), dataset, null);
        assertThat(job.getStatusCode()).isEqualTo(HttpStatus.CREATED); // no workers here: it stays queued

        HttpClient sse = HttpClient.newHttpClient();
        HttpResponse<Stream<String>> response = sse.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                + "/v1/training-jobs/" + job.getBody().get("id").asString() + "/events"))
                .header("Authorization", "Bearer " + key).header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        Iterator<String> lines = response.body().iterator();
        while (!lines.next().startsWith("event:")) {
            // the stream is open once its first event arrived
        }

        // revoked by another process: this one learns through its key cache
        jdbc.sql("UPDATE api_keys SET revoked_at = now() WHERE prefix = ?").param(prefixOf(key)).update();
        Instant revoked = Instant.now();
        CompletableFuture<Void> ended = CompletableFuture.runAsync(() -> lines.forEachRemaining(line -> { }));
        ended.get(10, TimeUnit.SECONDS);
        assertThat(Duration.between(revoked, Instant.now())).isLessThan(KEY_CACHE_TTL.plusSeconds(2));
    }
}
