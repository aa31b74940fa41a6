package io.visprompt.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.core.io.DefaultResourceLoader;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.visprompt.config.DomainException;
import io.visprompt.model.internal.ConfiguredModel;

class ConfiguredModelCatalogTest {

    private static final Path CLASSIFIER = Path.of("src/main/resources/models/fashion-cnn");

    @TempDir
    Path temp;

    private static ConfiguredModelCatalog catalog(ClassLoader classLoader, ConfiguredModel... models) {
        return new ConfiguredModelCatalog(new ModelProperties(List.of(models)), new DefaultResourceLoader(classLoader));
    }

    private static ConfiguredModelCatalog catalog(ConfiguredModel... models) {
        return catalog(ConfiguredModelCatalogTest.class.getClassLoader(), models);
    }

    @Test
    void describesAClasspathModelFromItsModelJsonWithoutLoadingIt() {
        ConfiguredModelCatalog catalog = catalog(ConfiguredModel.of("cnn", "classpath:models/fashion-cnn"));

        ModelDescriptor descriptor = catalog.find("cnn").orElseThrow();

        assertThat(descriptor.kind()).isEqualTo(ModelKind.CLASSIFIER);
        assertThat(descriptor.inputSize()).isEqualTo(32);
        assertThat(descriptor.labels()).hasSize(10);
        assertThat(catalog.models()).extracting(ModelDescriptor::id).containsExactly("cnn");
        catalog.destroy();
    }

    @Test
    void aClassifiersFeatureMethodIsDescribedAndShownInItsView() {
        ConfiguredModelCatalog catalog = catalog(
                ConfiguredModel.of("probe", "src/test/resources/fixtures/evaluation/feature-classifier"),
                ConfiguredModel.of("cnn", "classpath:models/fashion-cnn"));

        ModelDescriptor withMethod = catalog.find("probe").orElseThrow();
        ModelDescriptor without = catalog.find("cnn").orElseThrow();

        assertThat(withMethod.featureMethod()).isEqualTo("features");
        assertThat(ModelController.ModelView.of(withMethod).featureMethod()).isEqualTo("features");
        assertThat(without.featureMethod()).isNull();
        assertThat(ModelController.ModelView.of(without).featureMethod()).isNull();
        catalog.destroy();
    }

    @Test
    void configuredValuesOverrideModelJson() {
        ConfiguredModel overriding = new ConfiguredModel("cnn", "classpath:models/fashion-cnn", null, null, 40,
                List.of(0.1f, 0.2f, 0.3f), null, List.of("x", "y"), null, "overridden");
        ConfiguredModelCatalog catalog = catalog(overriding);

        ModelDescriptor descriptor = catalog.find("cnn").orElseThrow();

        assertThat(descriptor.resize()).isEqualTo(40);
        assertThat(descriptor.mean()).containsExactly(0.1f, 0.2f, 0.3f);
        assertThat(descriptor.labels()).containsExactly("x", "y");
        assertThat(descriptor.description()).isEqualTo("overridden");
        assertThat(descriptor.inputSize()).isEqualTo(32); // not overridden: from model.json
        catalog.destroy();
    }

    @Test
    void loadsOnceAndSharesTheModelAcrossThreads() throws Exception {
        ConfiguredModelCatalog catalog = catalog(ConfiguredModel.of("cnn", "classpath:models/fashion-cnn"));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Set<FrozenModel> loaded = ConcurrentHashMap.newKeySet();
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                futures.add(pool.submit(() -> loaded.add(catalog.load("cnn"))));
            }
            for (Future<?> future : futures) {
                future.get();
            }
            assertThat(loaded).hasSize(1);
            assertThat(logitCount(loaded.iterator().next())).isEqualTo(10);
        } finally {
            pool.shutdown();
            catalog.destroy();
        }
    }

    @ParameterizedTest(name = "directory entries in the jar: {0}")
    @ValueSource(booleans = {true, false})
    void loadsAClasspathDirectoryFromInsideAJar(boolean directoryEntries) throws Exception {
        Path jar = temp.resolve("app.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            if (directoryEntries) {
                // as Spring Boot's repackaged jars have
                for (String directory : List.of("BOOT-INF/", "BOOT-INF/classes/", "BOOT-INF/classes/models/",
                        "BOOT-INF/classes/models/packed-cnn/")) {
                    out.putNextEntry(new JarEntry(directory));
                    out.closeEntry();
                }
            }
            for (String file : List.of("model.pt", "model.json")) {
                out.putNextEntry(new JarEntry("BOOT-INF/classes/models/packed-cnn/" + file));
                Files.copy(CLASSIFIER.resolve(file), out);
                out.closeEntry();
            }
            out.putNextEntry(new JarEntry("BOOT-INF/classes/models/packed-cnn/LICENSE.txt"));
            out.write("demo".getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[] {
                new URL("jar:" + jar.toUri() + "!/BOOT-INF/classes/")}, null)) {
            String id = "packed" + System.nanoTime();
            ConfiguredModelCatalog catalog = catalog(loader, ConfiguredModel.of(id, "classpath:models/packed-cnn"));

            FrozenModel model = catalog.load(id);

            assertThat(model.descriptor().inputSize()).isEqualTo(32);
            assertThat(logitCount(model)).isEqualTo(10);
            // Listing copies the whole directory; without directory entries only the known model files are found.
            Path tempRoot = Path.of(System.getProperty("java.io.tmpdir"));
            assertThat(extractedCopies(tempRoot, id)).singleElement()
                    .satisfies(copy -> assertThat(Files.exists(copy.resolve("LICENSE.txt"))).isEqualTo(directoryEntries));
            catalog.destroy();
        }
    }

    @Test
    void loadsFromADirectoryAPtFileAndAZipArchiveUrl() throws IOException {
        Path zip = temp.resolve("cnn.zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            for (String file : List.of("model.pt", "model.json")) {
                out.putNextEntry(new ZipEntry(file));
                Files.copy(CLASSIFIER.resolve(file), out);
                out.closeEntry();
            }
        }
        ConfiguredModelCatalog catalog = catalog(
                ConfiguredModel.of("directory", CLASSIFIER.toString()),
                ConfiguredModel.of("file", CLASSIFIER.resolve("model.pt").toString()),
                ConfiguredModel.of("zip", zip.toUri().toString()));

        for (String id : List.of("directory", "file", "zip")) {
            FrozenModel model = catalog.load(id);
            assertThat(model.descriptor().id()).isEqualTo(id);
            assertThat(model.descriptor().inputSize()).as(id).isEqualTo(32);
            assertThat(logitCount(model)).as(id).isEqualTo(10);
        }
        catalog.destroy();
    }

    @Test
    void anUnknownIdIsAModelNotFoundRefusal() {
        ConfiguredModelCatalog catalog = catalog(ConfiguredModel.of("cnn", "classpath:models/fashion-cnn"));

        assertThatThrownBy(() -> catalog.load("nope"))
                .isInstanceOfSatisfying(UnknownModelException.class, refusal -> {
                    assertThat(refusal.kind()).isEqualTo(DomainException.Kind.NOT_FOUND);
                    assertThat(refusal.code()).isEqualTo("model_not_found");
                    assertThat(refusal.modelId()).isEqualTo("nope");
                });
        assertThat(catalog.find("nope")).isEmpty();
    }

    @Test
    void shutdownDeletesTheExtractedCopy() throws IOException {
        Path tempRoot = Path.of(System.getProperty("java.io.tmpdir"));
        ConfiguredModelCatalog catalog = catalog(ConfiguredModel.of("extracted", "classpath:models/fashion-cnn"));
        catalog.load("extracted");
        assertThat(extractedCopies(tempRoot, "extracted")).isNotEmpty();

        catalog.destroy();

        assertThat(extractedCopies(tempRoot, "extracted")).isEmpty();
    }

    @Test
    void listingTheSameIdTwiceIsAConfigurationError() {
        assertThatThrownBy(() -> catalog(ConfiguredModel.of("a", "x"), ConfiguredModel.of("a", "y")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twice");
    }

    private static List<Path> extractedCopies(Path tempRoot, String id) throws IOException {
        try (var files = Files.list(tempRoot)) {
            return files.filter(p -> p.getFileName().toString().startsWith("visprompt-model-" + id + "-")).toList();
        }
    }

    private static long logitCount(FrozenModel model) {
        int side = model.descriptor().inputSize();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            return model.forward(manager.zeros(new Shape(2, 3, side, side)), false).getShape().get(1);
        }
    }

}
