package io.visprompt.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.visprompt.PostgresIntegrationTest;
import io.visprompt.TestArchives;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /v1/training-jobs/{id}/events} as Server-Sent Events, read over real HTTP with the JDK's client while a
 * short job trains: event rows with their ids, progress events, the closing {@code end}, {@code Last-Event-ID}, and
 * the JSON variant unchanged beside it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// Closed after the class: its workers must not claim other classes' jobs on a shared database.
@DirtiesContext
@TestPropertySource(properties = "visprompt.training.workers=true")
class TrainingJobEventStreamTests extends PostgresIntegrationTest {

    static final int EPOCHS = 3;

    final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    JdbcClient jdbc;

    String jobId;
    List<Sse> live;

    record Sse(String id, String name, String data) {
    }

    @BeforeAll
    void followOneJobLive() throws Exception {
        httpClient();
        String datasetId = uploadDataset(TestArchives.fixture("fashion-border.zip"), "fashion-border.zip", "sse")
                .getBody().get("id").asString();
        ResponseEntity<JsonNode> created = postJson("/v1/training-jobs", Map.of("dataset_id", datasetId,
                "model", "fashion-cnn", "hyperparameters",
                Map.of("epochs", EPOCHS, "batch_size", 32, "warmup_steps", 10, "seed", 1)));
        assertThat(created.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        jobId = created.getBody().get("id").asString();
        // opened while the job is queued or running: the stream must follow it to the end by itself
        live = readStream(null, 0);
    }

    @Test
    void streamsEveryEventRowWithItsIdThenProgressAndEndsWhenTheJobFinishes() {
        List<Sse> rows = live.stream().filter(e -> e.name().equals("event")).toList();
        assertThat(rows).isNotEmpty();
        assertThat(rows).allSatisfy(e -> assertThat(e.id()).isNotNull());
        List<Long> ids = rows.stream().map(e -> Long.parseLong(e.id())).toList();
        assertThat(ids).isSorted().doesNotHaveDuplicates();
        List<String> types = rows.stream().map(e -> read(e.data()).get("type").asString()).toList();
        assertThat(types).startsWith("created").contains("claimed").endsWith("succeeded");
        for (Sse row : rows) {
            assertThat(read(row.data()).get("id").asString()).isEqualTo(row.id());
        }

        // the same rows as the JSON list, in the same order
        JsonNode page = getJson("/v1/training-jobs/" + jobId + "/events?limit=100").getBody();
        List<String> listed = new ArrayList<>();
        page.get("data").forEach(e -> listed.add(e.get("id").asString()));
        assertThat(rows.stream().map(Sse::id).toList()).isEqualTo(listed);

        List<JsonNode> progress = live.stream().filter(e -> e.name().equals("progress")).map(e -> read(e.data())).toList();
        assertThat(progress).extracting(p -> p.get("status").asString()).contains("running").last().isEqualTo("succeeded");
        assertThat(progress).allSatisfy(p -> assertThat(p.get("id").asString()).isEqualTo(jobId));
        JsonNode last = progress.get(progress.size() - 1);
        assertThat(last.at("/progress/percent").asDouble()).isEqualTo(100.0);
        assertThat(last.at("/metrics/epoch").asInt()).isEqualTo(EPOCHS);
        assertThat(last.at("/result/prompted_test_accuracy").isNumber()).isTrue();
        assertThat(progress.stream().filter(p -> p.has("metrics")).map(p -> p.at("/metrics/epoch").asInt()).distinct().count())
                .as("progress events carry the latest epoch's metrics as they come").isGreaterThan(1);

        Sse end = live.get(live.size() - 1);
        assertThat(end.name()).isEqualTo("end");
        assertThat(read(end.data()).get("status").asString()).isEqualTo("succeeded");
        assertThat(live.stream().map(Sse::name)).containsOnly("event", "progress", "end");
    }

    @Test
    void lastEventIdResumesAfterThatEventAndAFinishedJobsStreamEndsAtOnce() throws Exception {
        List<Sse> rows = live.stream().filter(e -> e.name().equals("event")).toList();
        String resumeAfter = rows.get(1).id();
        long start = System.nanoTime();
        List<Sse> resumed = readStream(resumeAfter, 0);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));

        assertThat(resumed.stream().filter(e -> e.name().equals("event")).map(Sse::id).toList())
                .isEqualTo(rows.subList(2, rows.size()).stream().map(Sse::id).toList());
        assertThat(resumed.stream().map(Sse::name).toList()).endsWith("progress", "end");

        // ?after= does the same for clients that cannot set headers; Last-Event-ID wins over it
        List<Sse> afterParam = readStream(null, Long.parseLong(rows.get(rows.size() - 1).id()));
        assertThat(afterParam.stream().map(Sse::name).toList()).containsExactly("progress", "end");
        List<Sse> both = readStream(rows.get(rows.size() - 2).id(), 0);
        assertThat(both.stream().filter(e -> e.name().equals("event")).map(Sse::id).toList())
                .containsExactly(rows.get(rows.size() - 1).id());
    }

    @Test
    void theJsonVariantIsUnchangedForWildcardAndJsonAccept() throws Exception {
        for (String accept : new String[] {null, "*/*", "application/json", "text/html,*/*;q=0.8"}) {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri("/v1/training-jobs/" + jobId + "/events")).header("Authorization", "Bearer " + adminKey).GET();
            if (accept != null) {
                request.header("Accept", accept);
            }
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(String.valueOf(accept)).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
            JsonNode page = read(response.body());
            assertThat(page.get("object").asString()).isEqualTo("list");
            assertThat(page.get("data").get(0).get("type").asString()).isEqualTo("created");
        }
    }

    @Test
    void aCancelledJobsStreamEndsWithItsCancellation() throws Exception {
        String datasetId = getJson("/v1/training-jobs/" + jobId).getBody().get("dataset_id").asString();
        ResponseEntity<JsonNode> created = postJson("/v1/training-jobs", Map.of("dataset_id", datasetId,
                "model", "fashion-cnn", "hyperparameters", Map.of("epochs", 1000, "batch_size", 32)));
        String other = created.getBody().get("id").asString();
        assertThat(postJson("/v1/training-jobs/" + other + "/cancel", Map.of()).getStatusCode().value()).isEqualTo(202);

        List<Sse> events = readStream(other, null, 0);
        List<String> types = events.stream().filter(e -> e.name().equals("event"))
                .map(e -> read(e.data()).get("type").asString()).toList();
        assertThat(types).startsWith("created").endsWith("cancelled");
        Sse end = events.get(events.size() - 1);
        assertThat(end.name()).isEqualTo("end");
        assertThat(read(end.data()).get("status").asString()).isEqualTo("cancelled");
    }

    /**
     * The stream ends as soon as it reads a final status, with the event that announces it (both are committed
     * together): no waiting for an event dated at or after {@code finished_at}, as when the writer's clock lags.
     */
    @Test
    void aFinishedJobsStreamEndsAtOnceWithItsFinalEvent() throws Exception {
        UUID id = UUID.randomUUID();
        Instant finished = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        jdbc.sql("""
                INSERT INTO training_jobs (id, tenant, dataset_id, model_id, spec, status, phase, max_attempts, epochs,
                                           created_at, updated_at, finished_at)
                VALUES (:id, 'default', :dataset, 'fashion-cnn', CAST('{}' AS jsonb), 'failed', 'failed', 3, 1,
                        :created, :finished, :finished)
                """).param("id", id).param("dataset", UUID.randomUUID())
                .param("created", Timestamp.from(finished.minusSeconds(10))).param("finished", Timestamp.from(finished))
                .update();
        for (String type : List.of("created", "failed")) {
            jdbc.sql("""
                    INSERT INTO training_job_events (job_id, created_at, level, type, message)
                    VALUES (:id, :at, 'info', :type, :type)
                    """).param("id", id).param("at", Timestamp.from(finished.minusSeconds(2))).param("type", type)
                    .update();
        }

        long start = System.nanoTime();
        List<Sse> events = readStream(id.toString(), null, 0);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(events.stream().map(Sse::name).toList()).containsExactly("event", "event", "progress", "end");
        assertThat(read(events.get(1).data()).get("type").asString()).isEqualTo("failed");
        assertThat(read(events.get(3).data()).get("status").asString()).isEqualTo("failed");
        assertThat(took).as("no grace period after the final status").isLessThan(Duration.ofMillis(2500));
    }

    @Test
    void theOpenApiDocumentDescribesBothVariants() {
        JsonNode get = getJson("/v3/api-docs").getBody().at("/paths/~1v1~1training-jobs~1{id}~1events/get");
        assertThat(get.at("/responses/200/content").has("text/event-stream")).as(get.toString()).isTrue();
        assertThat(get.at("/responses/200/content").size()).as(get.toString()).isGreaterThan(1);
    }

    @Test
    void unknownJobsAndBadLastEventIdsAreRefusedBeforeStreaming() throws Exception {
        HttpResponse<String> unknown = client.send(HttpRequest.newBuilder(
                uri("/v1/training-jobs/00000000-0000-0000-0000-000000000000/events"))
                .header("Accept", "text/event-stream").header("Authorization", "Bearer " + adminKey).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(read(unknown.body()).get("code").asString()).isEqualTo("training_job_not_found");

        HttpResponse<String> bad = client.send(HttpRequest.newBuilder(uri("/v1/training-jobs/" + jobId + "/events"))
                .header("Accept", "text/event-stream").header("Last-Event-ID", "yesterday")
                .header("Authorization", "Bearer " + adminKey).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        JsonNode problem = read(bad.body());
        assertThat(problem.get("code").asString()).isEqualTo("invalid_field");
        assertThat(problem.at("/errors/0/field").asString()).isEqualTo("Last-Event-ID");
        assertThat(bad.body()).doesNotContain("event:");
    }

    /** Reads one whole stream (until the server closes it), bounded in time. */
    private List<Sse> readStream(String lastEventId, long after) throws Exception {
        return readStream(jobId, lastEventId, after);
    }

    private List<Sse> readStream(String job, String lastEventId, long after) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri("/v1/training-jobs/" + job + "/events"
                + (after > 0 ? "?after=" + after : ""))).header("Accept", "text/event-stream")
                .header("Authorization", "Bearer " + adminKey).GET();
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        CompletableFuture<HttpResponse<Stream<String>>> response =
                client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines());
        HttpResponse<Stream<String>> r = response.get(30, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        return CompletableFuture.supplyAsync(() -> parse(r.body())).get(5, TimeUnit.MINUTES);
    }

    static List<Sse> parse(Stream<String> lines) {
        List<Sse> events = new ArrayList<>();
        String id = null;
        String name = null;
        StringBuilder data = new StringBuilder();
        for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
            String line = it.next();
            if (line.isEmpty()) {
                if (!data.isEmpty() || name != null) {
                    events.add(new Sse(id, name == null ? "message" : name, data.toString()));
                }
                id = null;
                name = null;
                data.setLength(0);
            } else if (line.startsWith(":")) {
                continue;
            } else if (line.startsWith("id:")) {
                id = line.substring(3).strip();
            } else if (line.startsWith("event:")) {
                name = line.substring(6).strip();
            } else if (line.startsWith("data:")) {
                if (!data.isEmpty()) {
                    data.append('\n');
                }
                data.append(line.substring(5).startsWith(" ") ? line.substring(6) : line.substring(5));
            }
        }
        return events;
    }

    /** A JSON body or event data, failing the test with the text when it is not JSON. */
    static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (RuntimeException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }
}
