package io.visprompt.console;

import static io.visprompt.console.TrainingJobEventStreamTests.read;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.visprompt.PostgresIntegrationTest;
import io.visprompt.TestArchives;
import io.visprompt.console.TrainingJobEventStreamTests.Sse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /v1/evaluations/{id}/events} as Server-Sent Events, the training jobs' stream: read over real HTTP
 * while an evaluation runs, event rows with their ids as in the JSON list, progress events with the evaluation's
 * view (its report at the end), the closing {@code end}, and {@code Last-Event-ID}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DirtiesContext // its workers must not claim other classes' jobs on a shared database
@TestPropertySource(properties = "visprompt.training.workers=true")
class EvaluationEventStreamTests extends PostgresIntegrationTest {

    final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    String evaluationId;
    List<Sse> live;

    @BeforeAll
    void followOneEvaluationLive() throws Exception {
        httpClient();
        String dataset = uploadDataset(TestArchives.randomImageFolder(2, 60, 4), "random.zip", "sse-evaluation")
                .getBody().get("id").asString();
        ResponseEntity<JsonNode> created = postJson("/v1/evaluations", Map.of("model", "tiny-clip",
                "class_names", List.of("class0", "class1"), "dataset_id", dataset, "split", "all"));
        assertThat(created.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        evaluationId = created.getBody().get("id").asString();
        live = readStream(evaluationId, null);
    }

    @Test
    void streamsEveryEventRowWithItsIdThenProgressAndEndsWithTheReport() {
        List<Sse> rows = live.stream().filter(e -> e.name().equals("event")).toList();
        List<Long> ids = rows.stream().map(e -> Long.parseLong(e.id())).toList();
        assertThat(ids).isNotEmpty().isSorted().doesNotHaveDuplicates();
        assertThat(rows.stream().map(e -> read(e.data()).get("type").asString()).toList())
                .startsWith("created").contains("claimed").endsWith("succeeded");

        JsonNode page = getJson("/v1/evaluations/" + evaluationId + "/events?limit=100").getBody();
        List<String> listed = new ArrayList<>();
        page.get("data").forEach(e -> listed.add(e.get("id").asString()));
        assertThat(rows.stream().map(Sse::id).toList()).isEqualTo(listed);

        List<JsonNode> progress = live.stream().filter(e -> e.name().equals("progress")).map(e -> read(e.data()))
                .toList();
        assertThat(progress).allSatisfy(p -> assertThat(p.get("id").asString()).isEqualTo(evaluationId));
        assertThat(progress).extracting(p -> p.get("status").asString()).last().isEqualTo("succeeded");
        JsonNode last = progress.get(progress.size() - 1);
        assertThat(last.at("/report/examples").asInt()).isEqualTo(360); // 2 classes x 60 images x 3 splits
        assertThat(last).isEqualTo(getJson("/v1/evaluations/" + evaluationId).getBody());

        Sse end = live.get(live.size() - 1);
        assertThat(end.name()).isEqualTo("end");
        assertThat(read(end.data()).get("status").asString()).isEqualTo("succeeded");
        assertThat(live.stream().map(Sse::name)).containsOnly("event", "progress", "end");
    }

    @Test
    void lastEventIdResumesAfterThatEventAndUnknownEvaluationsAreNotFound() throws Exception {
        List<Sse> rows = live.stream().filter(e -> e.name().equals("event")).toList();
        List<Sse> resumed = readStream(evaluationId, rows.get(0).id());
        assertThat(resumed.stream().filter(e -> e.name().equals("event")).map(Sse::id).toList())
                .isEqualTo(rows.subList(1, rows.size()).stream().map(Sse::id).toList());
        assertThat(resumed.stream().map(Sse::name).toList()).endsWith("progress", "end");

        HttpResponse<String> unknown = client.send(HttpRequest.newBuilder(
                uri("/v1/evaluations/00000000-0000-0000-0000-000000000000/events"))
                .header("Accept", "text/event-stream").header("Authorization", "Bearer " + adminKey).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");

        HttpResponse<String> bad = client.send(HttpRequest.newBuilder(uri("/v1/evaluations/" + evaluationId + "/events"))
                .header("Accept", "text/event-stream").header("Last-Event-ID", "yesterday")
                .header("Authorization", "Bearer " + adminKey).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(read(bad.body()).at("/errors/0/field").asString()).isEqualTo("Last-Event-ID");
    }

    @Test
    void theOpenApiDocumentDescribesBothVariants() {
        JsonNode get = getJson("/v3/api-docs").getBody().at("/paths/~1v1~1evaluations~1{id}~1events/get");
        assertThat(get.at("/responses/200/content").has("text/event-stream")).as(get.toString()).isTrue();
        assertThat(get.at("/responses/200/content").size()).as(get.toString()).isGreaterThan(1);
    }

    private List<Sse> readStream(String id, String lastEventId) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri("/v1/evaluations/" + id + "/events"))
                .header("Accept", "text/event-stream").header("Authorization", "Bearer " + adminKey).GET();
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<Stream<String>> r = client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines())
                .get(30, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        return CompletableFuture.supplyAsync(() -> TrainingJobEventStreamTests.parse(r.body()))
                .get(3, TimeUnit.MINUTES);
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }
}
