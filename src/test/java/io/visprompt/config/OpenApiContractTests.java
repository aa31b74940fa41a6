package io.visprompt.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import io.visprompt.PostgresIntegrationTest;
import io.visprompt.TestArchives;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The served OpenAPI document against the wire: every endpoint the HTTP tests use is called once, for real, and
 * each request and response is validated against {@code /v3/api-docs} (names, status codes, enums, problem+json,
 * the bearer key). Multipart bodies are sent for real but only their responses are validated: the validator does
 * not read multipart.
 */
// Trains a job: workers on (as TrainAndServeTests), and closed after the class so they claim no other class's jobs.
@DirtiesContext
@TestPropertySource(properties = {"visprompt.training.workers=true", "visprompt.training.heartbeat-interval=1s",
        "visprompt.inference.max-batch-wait=20ms"})
class OpenApiContractTests extends PostgresIntegrationTest {

    private final JsonMapper json = JsonMapper.builder().build();
    private final HttpClient client = HttpClient.newHttpClient();
    private final List<String> failures = new ArrayList<>();
    private OpenApiInteractionValidator validator;
    private JsonNode document;

    @BeforeEach
    void servedDocument() {
        Exchange docs = send("GET", "/v3/api-docs", null, null, null, false);
        assertThat(docs.status()).isEqualTo(200);
        document = json.readTree(docs.body());
        try {
            // kept for reading when a check fails
            Files.write(Path.of("target/api-docs.json"), docs.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        validator = OpenApiInteractionValidator.createForInlineApiSpecification(new String(docs.body(),
                StandardCharsets.UTF_8)).withLevelResolver(LevelResolver.create()
                        // the document's examples of server URLs are the test's own port; paths are what matter
                        .withLevel("validation.request.path.missing", ValidationReport.Level.ERROR).build())
                .build();
    }

    @Test
    void theDocumentNamesFieldsStatusesAndEnumsAsTheWireDoes() {
        JsonNode schemas = document.at("/components/schemas");
        assertThat(fieldNames(schemas.at("/TrainingJobRequest/properties")))
                .contains("dataset_id", "model", "prompt", "output", "hyperparameters", "max_attempts")
                .doesNotContain("datasetId", "maxAttempts");
        assertThat(fieldNames(schemas.at("/HyperparameterOptions/properties")))
                .contains("batch_size", "learning_rate", "warmup_steps", "weight_decay", "checkpoint_every");
        assertThat(texts(schemas.at("/HyperparameterOptions/properties/optimizer/enum")))
                .containsExactly("sgd", "normalized_sgd", "adam", "spsa_gc", "rgf");
        assertThat(fieldNames(schemas.at("/HyperparameterOptions/properties")))
                .contains("query_budget", "queries_per_step", "perturbation");
        assertThat(texts(schemas.at("/PromptOptions/properties/template/enum")))
                .containsExactly("padding", "fixed_patch", "random_patch");
        assertThat(texts(schemas.at("/PromptOptions/properties/placement/enum")))
                .containsExactly("normalized", "pixel_shrink");
        assertThat(texts(schemas.at("/OutputOptions/properties/label_mapping/enum")))
                .containsExactly("identity", "frequency", "iterative", "by_name");
        assertThat(texts(schemas.at("/TrainingJobView/properties/status/enum")))
                .containsExactly("queued", "running", "cancelling", "succeeded", "failed", "cancelled", "stopped");
        assertThat(fieldNames(document.at("/paths/~1v1~1training-jobs/post/responses"))).contains("201", "400")
                .doesNotContain("200");
        assertThat(fieldNames(document.at("/paths/~1v1~1datasets/post/responses"))).contains("201");
        assertThat(fieldNames(document.at("/paths/~1v1~1prompts/post/responses"))).contains("201");
        assertThat(fieldNames(document.at("/paths/~1v1~1api-keys/post/responses"))).contains("201");
        assertThat(fieldNames(document.at("/paths/~1v1~1training-jobs~1{id}~1cancel/post/responses")))
                .contains("202");
        assertThat(fieldNames(document.at("/paths/~1v1~1training-jobs~1{id}~1resume/post/responses")))
                .contains("202");
        assertThat(fieldNames(document.at("/paths/~1v1~1training-jobs/post/responses/400/content")))
                .containsExactly("application/problem+json");
        assertThat(document.at("/components/securitySchemes/apiKey/scheme").asString()).isEqualTo("bearer");
    }

    @Test
    void everyExchangeOfTheApiMatchesTheDocument() throws IOException {
        // datasets
        Exchange upload = multipart("/v1/datasets", Map.of("name", "contract"),
                Map.of("file", TestArchives.randomImageFolder(2, 4, 7)), "file", "application/zip");
        assertThat(upload.status()).isEqualTo(201);
        String dataset = json.readTree(upload.body()).get("id").asString();
        call("GET", "/v1/datasets?limit=5", null);
        call("GET", "/v1/datasets/" + dataset, null);
        call("GET", "/v1/datasets/" + dataset + "/classes/0/images/0", null);
        call("GET", "/v1/datasets/" + UUID.randomUUID(), null);

        // models
        call("GET", "/v1/models", null);
        call("GET", "/v1/models/fashion-cnn", null);
        // remote models: the list, and a registration refused because nothing answers at its URL
        call("GET", "/v1/remote-models", null);
        Exchange unreachable = call("POST", "/v1/models", Map.of("kind", "remote", "name", "contract-remote",
                "url", "http://127.0.0.1:1", "model", "m", "input", Map.of("name", "pixels", "shape",
                        List.of(-1, 3, 32, 32)), "output", Map.of("name", "logits", "kind", "logits"),
                "preprocessing", Map.of("size", 32, "raw", true), "class_names", List.of("a", "b")));
        assertThat(unreachable.status()).isEqualTo(400);
        assertThat(json.readTree(unreachable.body()).get("code").asString()).isEqualTo("remote_unreachable");
        Path fixtures = Path.of("src/test/resources/fixtures/upload");
        String metadata = Files.readString(fixtures.resolve("resnet-tiny.json"))
                .replace("\"resnet-tiny\"", "\"contract-" + UUID.randomUUID() + "\"");
        Exchange model = multipart("/v1/models", Map.of("metadata", metadata),
                Map.of("file", Files.readAllBytes(fixtures.resolve("resnet-tiny.pt"))), "file",
                "application/octet-stream");
        assertThat(model.status()).isEqualTo(201);
        String modelId = json.readTree(model.body()).get("id").asString();
        call("GET", "/v1/models/" + modelId, null);
        assertThat(multipart("/v1/models", Map.of("metadata", metadata), Map.of("file", new byte[] {1, 2, 3}), "file",
                "application/octet-stream").status()).isEqualTo(400);
        assertThat(call("DELETE", "/v1/models/" + modelId, null).status()).isEqualTo(204);

        // training jobs
        Exchange created = call("POST", "/v1/training-jobs", Map.of("dataset_id", dataset, "model", "fashion-cnn",
                "prompt", Map.of("template", "padding", "size", 4),
                "output", Map.of("label_mapping", "iterative"),
                "hyperparameters", Map.of("epochs", 1, "batch_size", 8, "optimizer", "adam", "seed", 1)));
        assertThat(created.status()).isEqualTo(201);
        String job = json.readTree(created.body()).get("id").asString();
        // a request the document itself refuses (not one of the optimizer's values): its problem answer must match
        byte[] adamw = json.writeValueAsBytes(Map.of("dataset_id", dataset, "model", "fashion-cnn",
                "hyperparameters", Map.of("optimizer", "adamw")));
        Exchange invalid = send("POST", "/v1/training-jobs", adamw, "application/json", "application/json", true);
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(json.readTree(invalid.body()).at("/errors/0/field").asString())
                .isEqualTo("hyperparameters.optimizer");
        validate("POST", "/v1/training-jobs", null, "application/json", invalid, true, true);
        // the body in the camelCase the old document showed: refused naming the field, as documented
        byte[] camelCase = json.writeValueAsBytes(Map.of("datasetId", dataset, "model", "fashion-cnn",
                "hyperparameters", Map.of("batchSize", 256, "learningRate", 4)));
        Exchange misspelled = send("POST", "/v1/training-jobs", camelCase, "application/json", "application/json",
                true);
        assertThat(misspelled.status()).isEqualTo(400);
        assertThat(json.readTree(misspelled.body()).get("code").asString()).isEqualTo("invalid_field");
        // the first unknown name the parser meets (Map.of has no order)
        assertThat(json.readTree(misspelled.body()).at("/errors/0/field").asString())
                .isIn("datasetId", "hyperparameters.batchSize", "hyperparameters.learningRate");
        validate("POST", "/v1/training-jobs", null, "application/json", misspelled, true, true);
        await().atMost(Duration.ofMinutes(3)).until(() -> "succeeded".equals(json.readTree(
                send("GET", "/v1/training-jobs/" + job, null, null, null, true).body()).get("status").asString()));
        Exchange finished = call("GET", "/v1/training-jobs/" + job, null);
        String prompt = json.readTree(finished.body()).at("/result/prompt_id").asString();
        call("GET", "/v1/training-jobs?limit=2&status=succeeded", null);
        call("GET", "/v1/training-jobs/" + job + "/events", null);
        call("GET", "/v1/training-jobs/" + job + "/metrics", null);
        String queued = json.readTree(call("POST", "/v1/training-jobs", Map.of("dataset_id", dataset,
                "model", "fashion-cnn", "hyperparameters", Map.of("epochs", 1000))).body()).get("id").asString();
        assertThat(call("POST", "/v1/training-jobs/" + queued + "/cancel", null).status()).isIn(202, 409);
        assertThat(call("POST", "/v1/training-jobs/" + job + "/resume", null).status()).as("only a stopped job")
                .isEqualTo(409);
        call("GET", "/v1/training-jobs/" + UUID.randomUUID(), null);

        // sweeps
        Exchange sweep = call("POST", "/v1/sweeps", Map.of("dataset_id", dataset, "model", "fashion-cnn",
                "strategy", "asha", "max_trials", 2, "max_epochs_per_trial", 3, "parallelism", 1,
                "space", Map.of("hyperparameters", Map.of("learning_rate", Map.of("min", 1, "max", 10)))));
        assertThat(sweep.status()).isEqualTo(201);
        String sweepId = json.readTree(sweep.body()).get("id").asString();
        call("GET", "/v1/sweeps/" + sweepId, null);
        call("GET", "/v1/sweeps?limit=2", null);
        call("GET", "/v1/sweeps/" + sweepId + "/events", null);
        assertThat(call("POST", "/v1/sweeps/" + sweepId + "/cancel", null).status()).isEqualTo(202);
        call("GET", "/v1/sweeps/" + UUID.randomUUID(), null);

        // prompts
        call("GET", "/v1/prompts", null);
        call("GET", "/v1/prompts/" + prompt, null);
        byte[] npy = call("GET", "/v1/prompts/" + prompt + "/content", null, "application/x-npy").body();
        call("GET", "/v1/prompts/" + prompt + "/content", null, "image/png");
        call("GET", "/v1/prompts/" + prompt + "/content?example=1", null, "image/png");
        call("GET", "/v1/prompts/" + prompt + "/mask", null, "application/x-npy");
        Exchange imported = multipart("/v1/prompts", Map.of("metadata", json.writeValueAsString(Map.of(
                "model", "fashion-cnn", "class_names", List.of("class0", "class1")))), Map.of("values", npy), "values",
                "application/octet-stream");
        assertThat(imported.status()).isEqualTo(201);
        String importedId = json.readTree(imported.body()).get("id").asString();
        assertThat(call("DELETE", "/v1/prompts/" + importedId, null).status()).isEqualTo(204);
        assertThat(call("DELETE", "/v1/prompts/" + importedId, null).status()).isEqualTo(404);

        // inference
        byte[] image = pngOfTheDataset(dataset);
        call("POST", "/v1/classify", Map.of("image_base64", Base64.getEncoder().encodeToString(image),
                "prompt_id", prompt, "top_k", 2));
        assertThat(multipart("/v1/classify", Map.of("prompt_id", prompt), Map.of("image", image), "image",
                "image/png").status()).isEqualTo(200);
        call("GET", "/v2/health/live", null);
        call("GET", "/v2/health/ready", null);
        call("GET", "/v2/models/" + prompt, null);
        call("GET", "/v2/models/" + prompt + "/ready", null);
        call("GET", "/v2/models/fashion-cnn", null);
        call("GET", "/v2/models/fashion-cnn/ready", null);
        call("POST", "/v2/models/" + prompt + "/infer", Map.of("inputs", List.of(Map.of("name", "image",
                "shape", List.of(1), "datatype", "BYTES", "data", List.of(Base64.getEncoder().encodeToString(image))))));

        // derived datasets and evaluations
        Exchange derived = call("POST", "/v1/datasets/" + dataset + "/derive", Map.of("corruption", "gaussian_noise",
                "severity", 2, "seed", 1));
        assertThat(derived.status()).isEqualTo(201);
        Exchange evaluationCreated = call("POST", "/v1/evaluations", Map.of("prompt_id", prompt,
                "dataset_id", json.readTree(derived.body()).get("id").asString(), "split", "all"));
        assertThat(evaluationCreated.status()).isEqualTo(201);
        String evaluation = json.readTree(evaluationCreated.body()).get("id").asString();
        await().atMost(Duration.ofMinutes(3)).until(() -> "succeeded".equals(json.readTree(
                send("GET", "/v1/evaluations/" + evaluation, null, null, null, true).body()).get("status").asString()));
        call("GET", "/v1/evaluations/" + evaluation, null);
        call("GET", "/v1/evaluations?limit=2&status=succeeded", null);
        call("GET", "/v1/evaluations/" + evaluation + "/events", null);
        call("GET", "/v1/evaluations/" + evaluation + "/errors?limit=2", null);
        call("GET", "/v1/evaluations/" + evaluation + "/confusion-matrix", null, "image/png");
        call("GET", "/v1/evaluations/" + evaluation + "/reliability-diagram", null, "image/png");
        assertThat(call("POST", "/v1/evaluations/" + evaluation + "/cancel", null).status()).isEqualTo(409);
        assertThat(call("POST", "/v1/evaluations", Map.of("model", "tiny-clip", "class_names", List.of("zero", "one"),
                "dataset_id", dataset)).status()).isEqualTo(400);
        call("GET", "/v1/evaluations/" + UUID.randomUUID(), null);

        // keys and audit
        Exchange key = call("POST", "/v1/api-keys", Map.of("name", "contract", "tenant", "contract",
                "scopes", List.of("jobs:read")));
        assertThat(key.status()).isEqualTo(201);
        String prefix = json.readTree(key.body()).get("prefix").asString();
        call("GET", "/v1/api-keys", null);
        call("GET", "/v1/api-keys/" + prefix, null);
        call("POST", "/v1/api-keys/" + prefix + "/revoke", null);
        call("DELETE", "/v1/api-keys/" + prefix, null);
        call("GET", "/v1/audit-events?limit=5", null);

        // refusals
        assertThat(send("GET", "/v1/models", null, null, null, false).status()).isEqualTo(401);
        validate("GET", "/v1/models", null, null, send("GET", "/v1/models", null, null, null, false), false, false);

        assertThat(call("DELETE", "/v1/datasets/" + dataset, null).status()).isEqualTo(204);
        assertThat(failures).isEmpty();
    }

    private byte[] pngOfTheDataset(String dataset) {
        return send("GET", "/v1/datasets/" + dataset + "/classes/1/images/0", null, null, "image/png", true).body();
    }

    private Exchange call(String method, String pathAndQuery, Object body) {
        return call(method, pathAndQuery, body, "application/json");
    }

    private Exchange call(String method, String pathAndQuery, Object body, String accept) {
        byte[] bytes = body == null ? null : json.writeValueAsBytes(body);
        String contentType = body == null ? null : "application/json";
        Exchange exchange = send(method, pathAndQuery, bytes, contentType, accept, true);
        validate(method, pathAndQuery, bytes, contentType, exchange, true, false);
        return exchange;
    }

    private Exchange multipart(String path, Map<String, String> fields, Map<String, byte[]> files, String fileField,
            String fileType) {
        String boundary = "contract" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            for (var field : fields.entrySet()) {
                body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field.getKey()
                        + "\"\r\n\r\n" + field.getValue() + "\r\n").getBytes(StandardCharsets.UTF_8));
            }
            for (var file : files.entrySet()) {
                body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + file.getKey()
                        + "\"; filename=\"" + file.getKey() + ".bin\"\r\nContent-Type: " + fileType + "\r\n\r\n")
                        .getBytes(StandardCharsets.UTF_8));
                body.write(file.getValue());
                body.write("\r\n".getBytes(StandardCharsets.UTF_8));
            }
            body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Exchange exchange = send("POST", path, body.toByteArray(), "multipart/form-data; boundary=" + boundary,
                "application/json", true);
        validate("POST", path, null, "multipart/form-data; boundary=" + boundary, exchange, true, true);
        return exchange;
    }

    private Exchange send(String method, String pathAndQuery, byte[] body, String contentType, String accept,
            boolean withKey) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + pathAndQuery))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (accept != null) {
            request.header("Accept", accept);
        }
        if (withKey) {
            request.header("Authorization", "Bearer " + adminKey);
        }
        try {
            HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Exchange(response.statusCode(), response.headers().firstValue("Content-Type").orElse(null),
                    response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** @param responseOnly the request body is not checked (multipart, or a body the document refuses on purpose) */
    private void validate(String method, String pathAndQuery, byte[] body, String contentType, Exchange exchange,
            boolean withKey, boolean responseOnly) {
        URI uri = URI.create(pathAndQuery);
        SimpleRequest.Builder request = new SimpleRequest.Builder(Request.Method.valueOf(method), uri.getPath());
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&")) {
                String[] nameValue = pair.split("=", 2);
                request.withQueryParam(nameValue[0], nameValue.length > 1 ? nameValue[1] : "");
            }
        }
        if (withKey) {
            request.withAuthorization("Bearer " + adminKey);
        }
        if (contentType != null) {
            request.withContentType(contentType);
        }
        if (body != null) {
            request.withBody(body);
        }
        SimpleResponse.Builder response = SimpleResponse.Builder.status(exchange.status());
        if (exchange.contentType() != null) {
            response.withContentType(exchange.contentType());
            response.withBody(exchange.body());
        }
        ValidationReport report = validator.validate(request.build(), response.build());
        if (responseOnly) {
            report = ValidationReport.from(report.getMessages().stream()
                    .filter(m -> !m.getKey().startsWith("validation.request.body")).toList());
        }
        if (report.hasErrors()) {
            failures.add(method + " " + pathAndQuery + " -> " + exchange.status() + ": " + report.getMessages());
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.propertyNames().forEach(names::add);
        return names;
    }

    private static List<String> texts(JsonNode node) {
        List<String> values = new ArrayList<>();
        node.forEach(v -> values.add(v.asString()));
        return values;
    }

    private record Exchange(int status, String contentType, byte[] body) {
    }

}
