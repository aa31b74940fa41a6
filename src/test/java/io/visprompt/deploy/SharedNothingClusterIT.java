package io.visprompt.deploy;

import static io.visprompt.ServiceProcesses.freePort;
import static io.visprompt.ServiceProcesses.serviceCommand;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipInputStream;

import io.visprompt.TestArchives;
import io.visprompt.TestImages;
import io.visprompt.config.FileTrees;
import io.visprompt.storage.S3ProxyServer;
import io.visprompt.storage.internal.LocalObjectCache;
import io.visprompt.storage.internal.S3ObjectStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The deployment the S3 store exists for: one API-only process and two worker-only processes of the packaged jar,
 * each in a working directory of its own, sharing one PostgreSQL and one S3 bucket (S3Proxy, a process of its own)
 * and nothing else. Through the API's HTTP only: a model and a dataset are uploaded, a job trains on them, the
 * worker that runs it is killed (SIGKILL, no checkpoint on the way out), the other worker resumes it from its last
 * checkpoint once the lease expires, the learned prompt is downloaded and classifies, and it is evaluated on a
 * corrupted copy of the dataset the API process derives from the bucket. Only DJL's native engine
 * cache ({@code ~/.djl.ai}, the libtorch binaries a container image carries) is common to the three processes.
 */
class SharedNothingClusterIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String ADMIN_KEY = "vp_cluster_" + "00c0ffee11d00d22".repeat(3);
    /** {@code <host>-<pid>-<8 hex>-w<n>}: WorkerPool's worker id, which the claimed events name. */
    private static final Pattern WORKER_ID = Pattern.compile("Worker (\\S+-(\\d+)-[0-9a-f]{8}-w\\d+) started attempt (\\d+)");
    private static final Path FIXTURES = Path.of("src/test/resources/fixtures/upload");

    private final List<Process> processes = new ArrayList<>();
    private final List<Path> homes = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private EmbeddedPostgres postgres;
    private S3ProxyServer s3;

    @AfterEach
    void stopEverything() throws IOException {
        processes.forEach(Process::destroyForcibly);
        for (Process process : processes) {
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (s3 != null) {
            s3.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        // the processes' logs outlive their directories, next to the test's report
        Path reports = Files.createDirectories(Path.of("target/failsafe-reports"));
        for (Path home : homes) {
            Path log = home.resolve("service.log");
            if (Files.isRegularFile(log)) {
                Files.copy(log, reports.resolve(getClass().getSimpleName() + "-" + home.getFileName() + ".log"),
                        StandardCopyOption.REPLACE_EXISTING);
            }
            FileTrees.delete(home);
        }
    }

    @Test
    void anApiAndTwoWorkersSharingOnlyPostgresAndABucketTrainThroughAKilledWorkerAndServeThePrompt() throws Exception {
        postgres = EmbeddedPostgres.builder().start();
        s3 = S3ProxyServer.start();
        String bucket = s3.newBucket();
        JdbcClient db = JdbcClient.create(postgres.getPostgresDatabase());

        Node api = start("api", bucket, "--visprompt.training.workers=false",
                "--visprompt.security.bootstrap-key=" + ADMIN_KEY);
        // the workers start while the API takes the uploads; Flyway's lock in PostgreSQL orders their migrations
        awaitReady(api);
        Node workerA = start("worker-a", bucket, "--visprompt.api.enabled=false");
        Node workerB = start("worker-b", bucket, "--visprompt.api.enabled=false");
        assertThat(Set.of(api.home, workerA.home, workerB.home)).as("no directory shared").hasSize(3);

        // a model and a dataset, uploaded to the API process: both land in the bucket, not on its disk
        byte[] modelFile = Files.readAllBytes(FIXTURES.resolve("resnet-tiny.pt"));
        String metadata = Files.readString(FIXTURES.resolve("resnet-tiny.json"))
                .replace("\"resnet-tiny\"", "\"cluster-" + UUID.randomUUID().toString().substring(0, 8) + "\"");
        HttpResponse<String> model = send(api, "POST", "/v1/models", new Multipart()
                .file("file", "model.pt", "application/octet-stream", modelFile)
                .text("metadata", metadata));
        assertThat(model.statusCode()).as(model.body()).isEqualTo(201);
        String modelId = json(model).get("id").asString();

        byte[] archive = TestArchives.fixture("fashion-border.zip");
        HttpResponse<String> dataset = send(api, "POST", "/v1/datasets", new Multipart()
                .file("file", "fashion-border.zip", "application/zip", archive));
        assertThat(dataset.statusCode()).as(dataset.body()).isEqualTo(201);
        JsonNode datasetView = json(dataset);
        String datasetId = datasetView.get("id").asString();
        int images = datasetView.at("/image_counts/train").asInt() + datasetView.at("/image_counts/val").asInt()
                + datasetView.at("/image_counts/test").asInt();
        assertThat(images).isEqualTo(unzippedImages(archive));

        try (S3ObjectStore store = new S3ObjectStore(s3.settings(bucket, S3ProxyServer.SECRET_KEY),
                new LocalObjectCache(Files.createTempDirectory("cluster-test-cache"), 1 << 20))) {
            assertThat(store.keys("models/" + modelId)).hasSize(2);
            assertThat(store.read("models/" + modelId + "/model.pt")).isEqualTo(modelFile);
            assertThat(store.keys("datasets/" + datasetId)).hasSize(images);
        }
        assertThat(filesUnder(api.home, datasetId)).as("the API keeps no copy of the dataset").isEmpty();

        awaitReady(workerA);
        awaitReady(workerB);
        // several epochs, a checkpoint every 5 steps: long enough to kill the worker in the middle
        HttpResponse<String> created = send(api, "POST", "/v1/training-jobs", """
                {"dataset_id": "%s", "model": "%s", "output": {"label_mapping": "frequency"},
                 "hyperparameters": {"epochs": 4, "batch_size": 16, "warmup_steps": 5, "checkpoint_every": 5}}
                """.formatted(datasetId, modelId));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        UUID job = UUID.fromString(json(created).get("id").asString());

        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200)).until(() -> db.sql(
                "SELECT step FROM training_job_checkpoints WHERE job_id = :id").param("id", job).query(Long.class)
                .optional().orElse(0L) >= 10);

        // the job's events name the worker that holds it; its process id tells which of the two that is
        Matcher firstClaim = claims(api, job).get(0);
        assertThat(firstClaim.group(3)).isEqualTo("1");
        long holderPid = Long.parseLong(firstClaim.group(2));
        assertThat(holderPid).isIn(workerA.process.pid(), workerB.process.pid());
        Node holder = holderPid == workerA.process.pid() ? workerA : workerB;
        Node survivor = holder == workerA ? workerB : workerA;
        assertThat(db.sql("SELECT lease_owner FROM training_jobs WHERE id = :id").param("id", job)
                .query(String.class).single()).isEqualTo(firstClaim.group(1));
        assertThat(filesUnder(holder.home, "model.pt")).as("the holder read the model through its own cache")
                .isNotEmpty();

        holder.process.destroyForcibly(); // SIGKILL: no checkpoint, no release, the lease just stops being renewed
        assertThat(holder.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        long checkpointStep = db.sql("SELECT step FROM training_job_checkpoints WHERE job_id = :id")
                .param("id", job).query(Long.class).single();
        assertThat(checkpointStep).isGreaterThanOrEqualTo(10);

        JsonNode ended = await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500))
                .until(() -> json(send(api, "GET", "/v1/training-jobs/" + job, null)),
                        j -> Set.of("succeeded", "failed", "cancelled").contains(j.get("status").asString()));
        assertThat(ended.get("status").asString()).as("%s", ended).isEqualTo("succeeded");
        assertThat(ended.get("attempt").asInt()).isEqualTo(2);
        assertThat(ended.at("/progress/epoch").asInt()).isEqualTo(4);

        List<Matcher> claims = claims(api, job);
        assertThat(claims).hasSize(2);
        assertThat(Long.parseLong(claims.get(1).group(2))).as("the second attempt ran on the other worker")
                .isEqualTo(survivor.process.pid());
        List<String> events = events(api, job);
        assertThat(events).anyMatch(e -> e.equals("lease_expired: Lease of worker " + firstClaim.group(1)
                + " expired; job is now queued"));
        assertThat(events).as("resumed at the checkpoint, not from step 0").anyMatch(e -> e.startsWith(
                "resumed: Resuming from the checkpoint at step " + checkpointStep + " "));
        JsonNode metrics = json(send(api, "GET", "/v1/training-jobs/" + job + "/metrics", null)).get("data");
        assertThat(metrics.size()).isEqualTo(4);

        JsonNode result = ended.get("result");
        assertThat(result.get("test_examples").asInt()).isEqualTo(datasetView.at("/image_counts/test").asInt());
        assertThat(result.get("prompted_test_accuracy").asDouble()).isBetween(0.0, 1.0);
        assertThat(result.get("best_validation_accuracy").asDouble()).isBetween(0.0, 1.0);
        String promptId = result.get("prompt_id").asString();

        // the prompt, downloaded from the API process (which never ran the job)
        HttpResponse<byte[]> png = sendBytes(api, "/v1/prompts/" + promptId + "/content", "image/png");
        assertThat(png.statusCode()).isEqualTo(200);
        assertThat(png.headers().firstValue("Content-Type")).hasValue("image/png");
        assertThat(png.body()).startsWith(0x89, 'P', 'N', 'G');
        HttpResponse<byte[]> tensor = sendBytes(api, "/v1/prompts/" + promptId + "/content",
                "application/octet-stream");
        assertThat(tensor.statusCode()).isEqualTo(200);
        assertThat(tensor.headers().firstValue("X-Tensor-Shape")).hasValue("3,32,32");
        assertThat(tensor.body()).hasSize(3 * 32 * 32 * Float.BYTES);
        ByteBuffer floats = ByteBuffer.wrap(tensor.body()).order(ByteOrder.LITTLE_ENDIAN);
        double magnitude = 0;
        while (floats.hasRemaining()) {
            float value = floats.getFloat();
            assertThat(value).isFinite();
            magnitude += Math.abs(value);
        }
        assertThat(magnitude).as("a learned prompt, not zeros").isPositive();
        try (S3ObjectStore store = new S3ObjectStore(s3.settings(bucket, S3ProxyServer.SECRET_KEY),
                new LocalObjectCache(Files.createTempDirectory("cluster-test-cache"), 1 << 20))) {
            // the worker that finished the job wrote the prompt's tensors (values, then mask) to the bucket
            List<String> promptObjects = store.keys("prompts/" + promptId);
            assertThat(promptObjects).hasSize(1);
            assertThat(Arrays.copyOf(store.read(promptObjects.get(0)), tensor.body().length)).isEqualTo(tensor.body());
        }

        // and it classifies on the API process, which reads the uploaded model from the bucket
        Map.Entry<String, byte[]> image = TestImages.testSplit(archive).entrySet().iterator().next();
        HttpResponse<String> classified = send(api, "POST", "/v1/classify", new Multipart()
                .file("image", "image.png", "image/png", image.getValue()).text("prompt_id", promptId));
        assertThat(classified.statusCode()).as(classified.body()).isEqualTo(200);
        JsonNode answer = json(classified);
        assertThat(answer.get("prompt_id").asString()).isEqualTo(promptId);
        assertThat(answer.get("prompted").asBoolean()).isTrue();
        JsonNode top = answer.get("predictions").get(0);
        // labels are the dataset's classes (folder names), which the frequency mapping maps the model's onto
        List<String> classes = datasetView.get("class_names").valueStream().map(JsonNode::asString).toList();
        assertThat(classes).hasSize(10);
        assertThat(top.get("label").asString()).isIn(classes);
        assertThat(top.get("probability").asDouble()).isBetween(0.0, 1.0);

        // a corrupted copy, which the API process makes from the images in the bucket, evaluated by the worker
        HttpResponse<String> noisy = send(api, "POST", "/v1/datasets/" + datasetId + "/derive",
                "{\"corruption\": \"gaussian_noise\", \"severity\": 3, \"seed\": 1, \"constants\": \"cifar10_c\"}");
        assertThat(noisy.statusCode()).as(noisy.body()).isEqualTo(201);
        String noisyId = json(noisy).get("id").asString();
        HttpResponse<String> evaluation = send(api, "POST", "/v1/evaluations",
                "{\"prompt_id\": \"%s\", \"dataset_id\": \"%s\"}".formatted(promptId, noisyId));
        assertThat(evaluation.statusCode()).as(evaluation.body()).isEqualTo(201);
        String evaluationId = json(evaluation).get("id").asString();
        JsonNode evaluated = await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .until(() -> json(send(api, "GET", "/v1/evaluations/" + evaluationId, null)),
                        e -> Set.of("succeeded", "failed", "cancelled").contains(e.get("status").asString()));
        assertThat(evaluated.get("status").asString()).as("%s", evaluated).isEqualTo("succeeded");
        double noisyAccuracy = evaluated.at("/report/summary/accuracy/with_prompt").asDouble();
        assertThat(noisyAccuracy).isBetween(0.0, 1.0);
        JsonNode errors = json(send(api, "GET", "/v1/evaluations/" + evaluationId + "/errors?limit=1", null));
        assertThat(errors.get("data")).as("a 4-epoch prompt misclassifies some noisy images").isNotEmpty();
        HttpResponse<byte[]> wrong = sendBytes(api, errors.at("/data/0/image_url").asString(), "image/png");
        assertThat(wrong.statusCode()).as("a misclassified image, read from the bucket").isEqualTo(200);
        assertThat(wrong.body()).startsWith(0x89, 'P', 'N', 'G');

        System.out.printf("cluster: %d images, killed %s at checkpoint step %d, resumed on %s; prompted test accuracy "
                + "%.3f (baseline %s, gaussian noise 3: %.3f), classified as %s (%.3f)%n", images, holder.name, checkpointStep, survivor.name,
                result.get("prompted_test_accuracy").asDouble(), result.get("baseline_test_accuracy"),
                noisyAccuracy, top.get("label").asString(), top.get("probability").asDouble());
        assertThat(filesUnder(survivor.home, "model.pt")).as("the survivor read the model through its own cache")
                .isNotEmpty();
        assertThat(filesUnder(api.home.resolve("datasets"), datasetId))
                .as("the API's dataset directory is scratch space: what it read for the copy is in its cache only")
                .isEmpty();
    }

    private record Node(String name, Process process, Path home, int port, Path log) {

        String base() {
            return "http://127.0.0.1:" + port;
        }
    }

    private Node start(String name, String bucket, String... role) throws IOException {
        Path home = Files.createTempDirectory("visprompt-cluster-" + name);
        homes.add(home);
        int port = freePort();
        List<String> command = new ArrayList<>(serviceCommand(port,
                postgres.getJdbcUrl("postgres", "postgres"), List.of("-Dai.djl.pytorch.num_interop_threads=1",
                        "-Xmx768m", "-XX:TieredStopAtLevel=1",
                        "-Djava.io.tmpdir=" + Files.createDirectories(home.resolve("tmp"))),
                "--spring.datasource.hikari.maximum-pool-size=5",
                // every local path inside this process's own directory: nothing on disk is shared
                "--visprompt.datasets.storage-dir=" + home.resolve("datasets"),
                "--visprompt.storage.dir=" + home.resolve("objects"),
                "--visprompt.storage.cache-dir=" + home.resolve("object-cache"),
                "--visprompt.security.bootstrap-key-file=" + home.resolve("admin.key"),
                "--visprompt.storage.type=s3",
                "--visprompt.storage.s3.endpoint=" + s3.endpoint(),
                "--visprompt.storage.s3.bucket=" + bucket,
                "--visprompt.storage.s3.access-key=" + S3ProxyServer.ACCESS_KEY,
                "--visprompt.storage.s3.secret-key=" + S3ProxyServer.SECRET_KEY,
                // a lost worker's job is requeued within seconds, not the production minute
                "--visprompt.training.lease-duration=6s",
                "--visprompt.training.heartbeat-interval=1s",
                "--visprompt.training.reaper-interval=1s",
                "--visprompt.training.progress-interval=0s"));
        command.addAll(List.of(role));
        Path log = home.resolve("service.log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("OMP_NUM_THREADS", "1");
        Node node = new Node(name, builder.start(), home, port, log);
        processes.add(node.process);
        return node;
    }

    private void awaitReady(Node node) {
        // refused connections while the process starts
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptionsInstanceOf(IOException.class).until(() -> {
                    if (!node.process.isAlive()) {
                        throw new IllegalStateException(node.name + " exited at start:\n" + Files.readString(node.log));
                    }
                    return http.send(HttpRequest.newBuilder(URI.create(node.base() + "/actuator/health/readiness"))
                            .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                });
    }

    /** The job's claimed events, oldest first, through the API. */
    private List<Matcher> claims(Node api, UUID job) throws Exception {
        List<Matcher> claims = new ArrayList<>();
        for (String event : events(api, job)) {
            Matcher matcher = WORKER_ID.matcher(event);
            if (event.startsWith("claimed: ") && matcher.find()) {
                claims.add(matcher);
            }
        }
        return claims;
    }

    /** All the job's events as {@code type: message}, paging through the API's cursor. */
    private List<String> events(Node api, UUID job) throws Exception {
        List<String> events = new ArrayList<>();
        String after = null;
        while (true) {
            JsonNode page = json(send(api, "GET", "/v1/training-jobs/" + job + "/events?limit=100"
                    + (after == null ? "" : "&after=" + after), null));
            page.get("data").forEach(e -> events.add(e.get("type").asString() + ": " + e.get("message").asString()));
            if (!page.get("has_more").asBoolean()) {
                return events;
            }
            after = page.get("last_id").asString();
        }
    }

    private HttpResponse<String> send(Node node, String method, String path, Object body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(node.base() + path))
                .header("Authorization", "Bearer " + ADMIN_KEY);
        if (body instanceof Multipart multipart) {
            request.header("Content-Type", "multipart/form-data; boundary=" + multipart.boundary)
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(multipart.bytes()));
        } else if (body instanceof String text) {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(text));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<byte[]> sendBytes(Node node, String path, String accept) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(node.base() + path))
                .header("Authorization", "Bearer " + ADMIN_KEY).header("Accept", accept).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static JsonNode json(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
        return JSON.readTree(response.body());
    }

    /** Regular files under {@code home} (none when it does not exist) whose path contains {@code part}. */
    private static List<Path> filesUnder(Path home, String part) throws IOException {
        if (!Files.isDirectory(home)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(home)) {
            return files.filter(Files::isRegularFile).filter(f -> f.toString().contains(part))
                    .collect(Collectors.toList());
        }
    }

    private static int unzippedImages(byte[] zip) throws IOException {
        int count = 0;
        try (var in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (var entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                count += entry.isDirectory() ? 0 : 1;
            }
        }
        return count;
    }

    /** A multipart/form-data body of text fields and files. */
    private static final class Multipart {

        private final String boundary = "----visprompt" + UUID.randomUUID();
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();

        Multipart text(String name, String value) {
            return part("Content-Disposition: form-data; name=\"" + name + "\"\r\n"
                    + "Content-Type: text/plain; charset=UTF-8", value.getBytes(StandardCharsets.UTF_8));
        }

        Multipart file(String name, String filename, String type, byte[] content) {
            return part("Content-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename + "\"\r\n"
                    + "Content-Type: " + type, content);
        }

        private Multipart part(String headers, byte[] content) {
            body.writeBytes(("--" + boundary + "\r\n" + headers + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(content);
            body.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        byte[] bytes() {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(body.toByteArray());
            all.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
            return all.toByteArray();
        }
    }
}
