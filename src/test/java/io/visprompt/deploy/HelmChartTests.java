package io.visprompt.deploy;

import static io.visprompt.deploy.ProjectFiles.path;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Lints and renders helm/visprompt with the Helm library embedded by helm-java (offline, no cluster) and checks the
 * rendered objects. Tagged "helm": Surefire runs these in a JVM of their own (see the pom), away from Spring tests.
 */
@Tag("helm")
class HelmChartTests {

    private static final Path CHART = ProjectFiles.file("helm/visprompt");
    private static final Path GPU_VALUES = CHART.resolve("values-gpu.yaml");
    private static final String GPU = "nvidia.com/gpu";
    /** The job lease; a worker's grace period must exceed it so that running jobs release their lease. */
    private static final int LEASE_SECONDS = 60;

    private static Rendered defaults;
    private static Rendered gpu;

    @BeforeAll
    static void render() {
        defaults = render(t -> t);
        gpu = render(t -> t.withValuesFile(GPU_VALUES));
    }

    @Test
    void lintStrictPasses() {
        LintResult result = new Helm(CHART).lint().strict().call();

        assertThat(result.isFailed()).as("helm lint --strict: %s", result.getMessages()).isFalse();
        assertThat(result.getMessages()).noneMatch(message -> message.contains("[ERROR]") || message.contains("[WARNING]"));
    }

    @Test
    void defaultValuesRenderAnApiAndAWorkerDeploymentFromOneImageWithoutAnyGpu() {
        assertThat(defaults.names("Deployment")).containsExactlyInAnyOrder("rel-visprompt-api", "rel-visprompt-worker");
        assertThat(image(defaults.api())).isEqualTo(image(defaults.worker())).isEqualTo("visprompt:0.1.0");

        assertThat(defaults.text()).doesNotContain(GPU);
        assertThat(limits(defaults.api())).doesNotContainKey(GPU);
        assertThat(limits(defaults.worker())).doesNotContainKey(GPU);
        assertThat((Object) path(defaults.worker(), "spec", "template", "spec", "tolerations")).isNull();
        assertThat((Object) path(defaults.worker(), "spec", "template", "spec", "nodeSelector")).isNull();
    }

    @Test
    void gpuValuesPutGpuLimitsNodeSelectorAndTolerationsOnTheWorkersOnly() {
        assertThat(limits(gpu.worker())).containsEntry(GPU, 1).containsEntry("memory", "24Gi");
        assertThat(image(gpu.worker())).isEqualTo("visprompt:0.1.0-cuda");
        Map<String, Object> workerPod = path(gpu.worker(), "spec", "template", "spec");
        assertThat((Object) path(workerPod, "nodeSelector", "nvidia.com/gpu.present")).isEqualTo("true");
        List<Map<String, Object>> tolerations = path(workerPod, "tolerations");
        assertThat(tolerations).anySatisfy(t -> assertThat(t).containsEntry("key", GPU).containsEntry("effect", "NoSchedule"));

        Map<String, Object> apiPod = path(gpu.api(), "spec", "template", "spec");
        assertThat(limits(gpu.api())).doesNotContainKey(GPU);
        assertThat(String.valueOf((Object) path(gpu.api(), "spec", "template", "spec", "containers"))).doesNotContain(GPU);
        assertThat(apiPod).doesNotContainKeys("nodeSelector", "tolerations");
        assertThat(image(gpu.api())).isEqualTo("visprompt:0.1.0");
        // Only the worker Deployment mentions GPUs at all.
        assertThat(gpu.documents()).filteredOn(d -> String.valueOf(d).contains(GPU))
                .extracting(d -> (String) path(d, "metadata", "name")).containsExactly("rel-visprompt-worker");
    }

    @Test
    void gpuCountIsConfigurable() {
        Rendered rendered = render(t -> t.withValuesFile(GPU_VALUES).set("worker.gpu.count", 2));

        assertThat(limits(rendered.worker())).containsEntry(GPU, 2);
        assertThat(limits(rendered.api())).doesNotContainKey(GPU);
    }

    @Test
    void bothDeploymentsHaveActuatorProbesOnTheHttpPort() {
        for (Rendered rendered : List.of(defaults, gpu)) {
            for (Map<String, Object> deployment : List.of(rendered.api(), rendered.worker())) {
                Map<String, Object> container = container(deployment);
                assertThat((String) path(container, "livenessProbe", "httpGet", "path")).isEqualTo("/actuator/health/liveness");
                assertThat((String) path(container, "readinessProbe", "httpGet", "path")).isEqualTo("/actuator/health/readiness");
                assertThat((String) path(container, "startupProbe", "httpGet", "path")).isEqualTo("/actuator/health/liveness");
                assertThat((Object) path(container, "livenessProbe", "httpGet", "port")).isEqualTo("http");
                List<Map<String, Object>> ports = path(container, "ports");
                assertThat(ports).singleElement().satisfies(port -> assertThat(port)
                        .containsEntry("name", "http").containsEntry("containerPort", ProjectFiles.defaultServerPort()));
            }
        }
    }

    @Test
    void databasePasswordIsNeverInlinedButReadFromTheChartsSecret() {
        String password = "s3cret-Sentinel-4711";
        Rendered rendered = render(t -> t.set("database.password", password));

        for (Map<String, Object> deployment : List.of(rendered.api(), rendered.worker())) {
            assertThat(String.valueOf(deployment)).doesNotContain(password);
            assertReadFromSecret(deployment, "SPRING_DATASOURCE_PASSWORD", "rel-visprompt-db", "password");
            assertThat((String) path(env(deployment, "SPRING_DATASOURCE_URL"), "value")).startsWith("jdbc:postgresql://");
        }
        assertStoredOnlyBase64InSecret(rendered, "rel-visprompt-db", "password", password);
    }

    @Test
    void anExistingSecretReplacesTheChartsSecret() {
        Rendered rendered = render(t -> t.set("database.existingSecret", "visprompt-db")
                .set("database.existingSecretPasswordKey", "postgres-password"));

        assertThat(rendered.names("Secret")).isEmpty();
        for (Map<String, Object> deployment : List.of(rendered.api(), rendered.worker())) {
            Map<String, Object> ref = path(env(deployment, "SPRING_DATASOURCE_PASSWORD"), "valueFrom", "secretKeyRef");
            assertThat(ref).containsEntry("name", "visprompt-db").containsEntry("key", "postgres-password");
        }
    }

    @Test
    void theBootstrapAdminKeyIsNeverInlinedButReadFromTheChartsSecretByTheApiOnly() {
        String key = "vp_sentinel42_" + "Bootstrap-Key-Sentinel-".repeat(2);
        Rendered rendered = render(t -> t.set("security.bootstrapKey", key));

        Map<String, Object> api = rendered.api();
        assertThat(String.valueOf(api)).doesNotContain(key);
        assertReadFromSecret(api, "VISPROMPT_BOOTSTRAP_KEY", "rel-visprompt-api-key", "bootstrap-key");
        assertThat(envNames(rendered.worker())).as("workers serve no API").doesNotContain("VISPROMPT_BOOTSTRAP_KEY");
        assertStoredOnlyBase64InSecret(rendered, "rel-visprompt-api-key", "bootstrap-key", key);
    }

    /** The variable comes from {@code secret}/{@code key} through secretKeyRef, never as an inline value. */
    private static void assertReadFromSecret(Map<String, Object> deployment, String variable, String secret,
            String key) {
        Map<String, Object> env = env(deployment, variable);
        assertThat(env).doesNotContainKey("value");
        assertThat((String) path(env, "valueFrom", "secretKeyRef", "name")).isEqualTo(secret);
        assertThat((String) path(env, "valueFrom", "secretKeyRef", "key")).isEqualTo(key);
    }

    /** The Secret holds {@code plain} base64-encoded, and the plain text appears nowhere in the rendered manifests. */
    private static void assertStoredOnlyBase64InSecret(Rendered rendered, String secret, String key, String plain) {
        String stored = path(rendered.named("Secret", secret), "data", key);
        assertThat(new String(Base64.getDecoder().decode(stored), StandardCharsets.UTF_8)).isEqualTo(plain);
        assertThat(rendered.text()).doesNotContain(plain);
    }

    @Test
    void anExistingSecretCanHoldTheBootstrapKeyAndWithoutAnyKeyNoneIsPassed() {
        Rendered existing = render(t -> t.set("security.existingSecret", "visprompt-api-key")
                .set("security.existingSecretKey", "admin"));
        assertThat(existing.names("Secret")).containsExactly("rel-visprompt-db");
        Map<String, Object> ref = path(env(existing.api(), "VISPROMPT_BOOTSTRAP_KEY"), "valueFrom", "secretKeyRef");
        assertThat(ref).containsEntry("name", "visprompt-api-key").containsEntry("key", "admin");

        assertThat(defaults.names("Secret")).containsExactly("rel-visprompt-db");
        assertThat(envNames(defaults.api())).doesNotContain("VISPROMPT_BOOTSTRAP_KEY");
    }

    @Test
    void aMalformedBootstrapKeyIsRefusedWithoutEchoingIt() {
        assertThatThrownBy(() -> render(t -> t.set("security.bootstrapKey", "hunter2-not-a-key")))
                .hasMessageContaining("vp_<prefix>_<secret>").hasMessageNotContaining("hunter2");
    }

    @Test
    void workersGetAGracePeriodLongerThanTheLeaseAndAShutdownPhaseThatFitsInIt() {
        for (Rendered rendered : List.of(defaults, gpu)) {
            int grace = path(rendered.worker(), "spec", "template", "spec", "terminationGracePeriodSeconds");
            assertThat(grace).isGreaterThanOrEqualTo(120).isGreaterThan(LEASE_SECONDS);
            String phase = path(env(rendered.worker(), "SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE"), "value");
            assertThat(seconds(phase)).isGreaterThan(LEASE_SECONDS).isLessThan(grace);
            assertThat((String) path(env(rendered.worker(), "VISPROMPT_API_ENABLED"), "value")).isEqualTo("false");
            assertThat((String) path(env(rendered.worker(), "VISPROMPT_WORKERS"), "value")).isEqualTo("true");
            assertThat((String) path(env(rendered.api(), "VISPROMPT_WORKERS"), "value")).isEqualTo("false");
            // No surge: the replacement pod must not wait for the GPU its predecessor still holds.
            assertThat((Object) path(rendered.worker(), "spec", "strategy", "rollingUpdate", "maxSurge")).isEqualTo(0);
        }
    }

    @Test
    void everyContainerTurnsLibtorchsOwnWarningsOff() {
        // Without AVX2 libtorch would log "Could not initialize NNPACK" on every convolution; it reads the level once.
        for (Rendered rendered : List.of(defaults, gpu)) {
            for (Map<String, Object> deployment : List.of(rendered.api(), rendered.worker())) {
                assertThat((String) path(env(deployment, "TORCH_CPP_LOG_LEVEL"), "value")).isEqualTo("ERROR");
            }
        }
    }

    @Test
    void aGracePeriodShorterThanTheLeaseIsRejectedByTheSchema() {
        assertThatThrownBy(() -> render(t -> t.set("worker.terminationGracePeriodSeconds", 30)))
                .hasMessageContaining("terminationGracePeriodSeconds");
    }

    @Test
    void serviceMonitorIsAbsentWithoutThePrometheusOperatorApiEvenWhenEnabled() {
        assertThat((Boolean) path(ProjectFiles.yamlMap("helm/visprompt/values.yaml"), "metrics", "serviceMonitor", "enabled"))
                .isTrue();
        assertThat(defaults.names("ServiceMonitor")).isEmpty();
        assertThat(gpu.names("ServiceMonitor")).isEmpty();
        assertThat(defaults.text()).doesNotContain("monitoring.coreos.com");
    }

    @Test
    void theDatasetsClaimIsMountedInBothDeploymentsAtTheConfiguredStorageDir() {
        assertThat(defaults.names("PersistentVolumeClaim")).containsExactly("rel-visprompt-datasets");
        Map<String, Object> claim = defaults.named("PersistentVolumeClaim", "rel-visprompt-datasets");
        assertThat((List<String>) path(claim, "spec", "accessModes")).containsExactly("ReadWriteMany");
        assertMountsClaim(defaults, "rel-visprompt-datasets");

        Rendered existing = render(t -> t.set("persistence.datasets.existingClaim", "shared-datasets"));
        assertThat(existing.names("PersistentVolumeClaim")).isEmpty();
        assertMountsClaim(existing, "shared-datasets");
    }

    @Test
    void withS3StorageNoVolumeIsSharedAndTheCredentialsAreMountedFiles() {
        Rendered s3 = render(t -> t.set("storage.type", "s3").set("storage.s3.endpoint", "http://minio:9000")
                .set("storage.s3.bucket", "visprompt").set("storage.s3.existingSecret", "visprompt-s3"));
        assertThat(s3.names("PersistentVolumeClaim")).isEmpty();
        for (Map<String, Object> deployment : List.of(s3.api(), s3.worker())) {
            assertThat((String) path(env(deployment, "VISPROMPT_STORAGE_TYPE"), "value")).isEqualTo("s3");
            assertThat((String) path(env(deployment, "VISPROMPT_STORAGE_S3_BUCKET"), "value")).isEqualTo("visprompt");
            assertThat((String) path(env(deployment, "VISPROMPT_STORAGE_S3_SECRET_KEY_FILE"), "value"))
                    .isEqualTo("/var/run/secrets/visprompt-s3/secret-key");
            List<Map<String, Object>> volumes = path(deployment, "spec", "template", "spec", "volumes");
            assertThat(volumes).anySatisfy(v -> assertThat(v).containsEntry("name", "datasets").containsKey("emptyDir"));
            assertThat(volumes).anySatisfy(v -> assertThat((String) path(v, "secret", "secretName"))
                    .isEqualTo("visprompt-s3"));
        }
        assertThat((String) path(env(defaults.api(), "VISPROMPT_STORAGE_TYPE"), "value")).isEqualTo("filesystem");
    }

    @Test
    void bothDeploymentsCarryTheUploadedModelCheckIntervalFromTheValues() {
        String defaultInterval = path(ProjectFiles.yamlMap("helm/visprompt/values.yaml"), "modelUploads",
                "loadedCheckInterval");
        assertThat(defaultInterval).as("the property's default").isEqualTo("30s");
        Rendered shorter = render(t -> t.set("modelUploads.loadedCheckInterval", "5s"));

        for (Rendered rendered : List.of(defaults, gpu)) {
            for (Map<String, Object> deployment : List.of(rendered.api(), rendered.worker())) {
                assertThat((String) path(env(deployment, "VISPROMPT_MODEL_UPLOADS_LOADED_CHECK_INTERVAL"), "value"))
                        .isEqualTo(defaultInterval);
            }
        }
        for (Map<String, Object> deployment : List.of(shorter.api(), shorter.worker())) {
            assertThat((String) path(env(deployment, "VISPROMPT_MODEL_UPLOADS_LOADED_CHECK_INTERVAL"), "value"))
                    .isEqualTo("5s");
        }
    }

    @Test
    void podsRunAsTheImagesNonRootUserWithoutPrivileges() {
        for (Map<String, Object> deployment : List.of(gpu.api(), gpu.worker())) {
            Map<String, Object> pod = path(deployment, "spec", "template", "spec");
            assertThat((Map<String, Object>) path(pod, "securityContext")).containsEntry("runAsNonRoot", true)
                    .containsEntry("runAsUser", 10001).containsEntry("fsGroup", 10001);
            Map<String, Object> container = container(deployment);
            assertThat((Map<String, Object>) path(container, "securityContext"))
                    .containsEntry("allowPrivilegeEscalation", false);
            assertThat((List<String>) path(container, "securityContext", "capabilities", "drop")).containsExactly("ALL");
            assertThat(pod).containsEntry("automountServiceAccountToken", false);
        }
    }

    @Test
    void servicesExposeTheApiAndNameTheWorkersMetricsEndpoints() {
        Map<String, Object> api = defaults.named("Service", "rel-visprompt");
        assertThat((Map<String, Object>) path(api, "spec", "selector")).containsEntry("app.kubernetes.io/component", "api");
        assertThat((List<Map<String, Object>>) path(api, "spec", "ports"))
                .singleElement().satisfies(p -> assertThat(p).containsEntry("targetPort", "http"));

        Map<String, Object> workers = defaults.named("Service", "rel-visprompt-worker-metrics");
        assertThat((String) path(workers, "spec", "clusterIP")).isEqualTo("None");
        assertThat((Map<String, Object>) path(workers, "spec", "selector"))
                .containsEntry("app.kubernetes.io/component", "worker");

        Map<String, Object> annotations = path(defaults.worker(), "spec", "template", "metadata", "annotations");
        assertThat(annotations).containsEntry("prometheus.io/path", "/actuator/prometheus");
    }

    @Test
    void disruptionBudgetsCoverBothComponentsAndIngressIsOptional() {
        assertThat(defaults.names("PodDisruptionBudget"))
                .containsExactlyInAnyOrder("rel-visprompt-api", "rel-visprompt-worker");
        assertThat(defaults.names("Ingress")).isEmpty();

        Rendered withIngress = render(t -> t.set("ingress.enabled", true).set("ingress.className", "nginx"));
        Map<String, Object> ingress = withIngress.named("Ingress", "rel-visprompt");
        assertThat((String) path(ingress, "spec", "ingressClassName")).isEqualTo("nginx");
        assertThat(String.valueOf((Object) path(ingress, "spec", "rules"))).contains("name=rel-visprompt", "name=http");
    }

    private static void assertMountsClaim(Rendered rendered, String claimName) {
        String storageDir = path(ProjectFiles.yamlMap("helm/visprompt/values.yaml"), "persistence", "datasets", "mountPath");
        for (Map<String, Object> deployment : List.of(rendered.api(), rendered.worker())) {
            List<Map<String, Object>> volumes = path(deployment, "spec", "template", "spec", "volumes");
            assertThat(volumes).singleElement().satisfies(volume -> {
                assertThat(volume).containsEntry("name", "datasets");
                assertThat((String) path(volume, "persistentVolumeClaim", "claimName")).isEqualTo(claimName);
            });
            List<Map<String, Object>> mounts = path(container(deployment), "volumeMounts");
            assertThat(mounts).singleElement().satisfies(mount -> assertThat(mount)
                    .containsEntry("name", "datasets").containsEntry("mountPath", storageDir));
            assertThat((String) path(env(deployment, "VISPROMPT_DATASETS_STORAGE_DIR"), "value")).isEqualTo(storageDir);
        }
    }

    private static Rendered render(UnaryOperator<TemplateCommand> options) {
        String text = options.apply(new Helm(CHART).template().withName("rel").withNamespace("visprompt")).call();
        return new Rendered(text, ProjectFiles.yamlDocuments(text));
    }

    private static Map<String, Object> container(Map<String, Object> deployment) {
        List<Map<String, Object>> containers = path(deployment, "spec", "template", "spec", "containers");
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    private static String image(Map<String, Object> deployment) {
        return path(container(deployment), "image");
    }

    private static Map<String, Object> limits(Map<String, Object> deployment) {
        Map<String, Object> limits = path(container(deployment), "resources", "limits");
        return limits == null ? Map.of() : limits;
    }

    private static Map<String, Object> env(Map<String, Object> deployment, String name) {
        List<Map<String, Object>> env = path(container(deployment), "env");
        Optional<Map<String, Object>> entry = env.stream().filter(e -> name.equals(e.get("name"))).findFirst();
        assertThat(entry).as("env %s of %s", name, path(deployment, "metadata", "name")).isPresent();
        return entry.get();
    }

    private static List<String> envNames(Map<String, Object> deployment) {
        List<Map<String, Object>> env = path(container(deployment), "env");
        return env.stream().map(e -> (String) e.get("name")).toList();
    }

    private static long seconds(String duration) {
        assertThat(duration).matches("\\d+s");
        return Long.parseLong(duration.substring(0, duration.length() - 1));
    }

    /** The output of one `helm template` call: its text and its documents. */
    private record Rendered(String text, List<Map<String, Object>> documents) {

        List<String> names(String kind) {
            return documents.stream().filter(d -> kind.equals(d.get("kind")))
                    .map(d -> (String) path(d, "metadata", "name")).toList();
        }

        Map<String, Object> named(String kind, String name) {
            return documents.stream()
                    .filter(d -> kind.equals(d.get("kind")) && name.equals(path(d, "metadata", "name")))
                    .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in\n" + text));
        }

        Map<String, Object> api() {
            return named("Deployment", "rel-visprompt-api");
        }

        Map<String, Object> worker() {
            return named("Deployment", "rel-visprompt-worker");
        }
    }
}
