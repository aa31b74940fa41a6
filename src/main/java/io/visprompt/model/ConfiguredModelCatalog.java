package io.visprompt.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;
import org.springframework.core.io.support.ResourcePatternResolver;
import org.springframework.core.io.support.ResourcePatternUtils;
import org.springframework.stereotype.Component;

import io.visprompt.config.FileTrees;
import io.visprompt.model.internal.ConfiguredModel;
import io.visprompt.model.internal.LoadedModel;
import io.visprompt.model.internal.ModelDescriptors;
import io.visprompt.model.internal.ModelLocations;
import io.visprompt.model.internal.ModelMetadata;
import io.visprompt.model.internal.TorchScriptModels;

/**
 * The configured models. Each loads on first use, once, and is then shared by every job and request; all are closed
 * on shutdown. Descriptors are known without loading for classpath and local sources (their {@code model.json} is
 * read directly); for URL sources they show configuration only until the model is loaded.
 */
@Component
class ConfiguredModelCatalog implements ModelCatalog, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(ConfiguredModelCatalog.class);
    private static final String CLASSPATH = "classpath:";

    private final ResourcePatternResolver resources;
    private final Map<String, CatalogEntry> entries = new LinkedHashMap<>();

    ConfiguredModelCatalog(ModelProperties properties, ResourceLoader resourceLoader) {
        this.resources = ResourcePatternUtils.getResourcePatternResolver(resourceLoader);
        for (ConfiguredModel model : properties.models()) {
            if (entries.putIfAbsent(model.id(), new CatalogEntry(model)) != null) {
                throw new IllegalArgumentException("visprompt.models lists model id " + model.id() + " twice");
            }
        }
    }

    @Override
    public List<ModelDescriptor> models() {
        return entries.values().stream().map(CatalogEntry::descriptor).toList();
    }

    @Override
    public Optional<ModelDescriptor> find(String id) {
        return Optional.ofNullable(entries.get(id)).map(CatalogEntry::descriptor);
    }

    @Override
    public FrozenModel load(String id) {
        CatalogEntry entry = entries.get(id);
        if (entry == null) {
            throw new UnknownModelException(id);
        }
        return entry.load();
    }

    @Override
    public void destroy() {
        for (CatalogEntry entry : entries.values()) {
            entry.close();
        }
    }

    private final class CatalogEntry {

        private final ConfiguredModel config;
        private volatile ModelDescriptor descriptor;
        private volatile LoadedModel loaded;
        private Path extractedDirectory;

        CatalogEntry(ConfiguredModel config) {
            this.config = config;
            this.descriptor = describeWithoutLoading();
        }

        ModelDescriptor descriptor() {
            return descriptor;
        }

        LoadedModel load() {
            LoadedModel model = loaded;
            if (model != null) {
                return model;
            }
            synchronized (this) {
                if (loaded == null) {
                    long started = System.nanoTime();
                    Path location = localLocation();
                    ModelDescriptor described = ModelDescriptors.describe(config,
                            TorchScriptModels.metadataOf(location), TorchScriptModels.detectKind(location));
                    loaded = TorchScriptModels.open(described, location);
                    descriptor = described;
                    log.info("Loaded model {} ({}) from {} in {} ms", config.id(), described.kind(), config.source(),
                            (System.nanoTime() - started) / 1_000_000);
                }
                return loaded;
            }
        }

        private ModelDescriptor describeWithoutLoading() {
            try {
                String source = config.source();
                if (source.startsWith(CLASSPATH)) {
                    String directory = trimSlashes(source.substring(CLASSPATH.length()));
                    Resource json = resources.getResource(CLASSPATH + directory + "/" + ModelMetadata.FILE_NAME);
                    Resource imageEncoder = resources.getResource(CLASSPATH + directory + "/image_encoder.pt");
                    ModelMetadata metadata = ModelMetadata.none();
                    if (json.exists()) {
                        try (InputStream in = json.getInputStream()) {
                            metadata = ModelMetadata.read(in);
                        }
                    }
                    return ModelDescriptors.describe(config, metadata,
                            imageEncoder.exists() ? ModelKind.CLIP : ModelKind.CLASSIFIER);
                }
                if (!ModelLocations.isUrl(source) && Files.exists(Path.of(source))) {
                    Path location = Path.of(source);
                    return ModelDescriptors.describe(config, TorchScriptModels.metadataOf(location),
                            TorchScriptModels.detectKind(location));
                }
            } catch (IOException | RuntimeException e) {
                log.warn("Cannot read the metadata of model {} from {}: {}", config.id(), config.source(),
                        e.getMessage());
            }
            return ModelDescriptors.describe(config, ModelMetadata.none(), null);
        }

        /** DJL loads from files, so a classpath directory (possibly inside the application jar) is copied out. */
        private Path localLocation() {
            String source = config.source();
            if (!source.startsWith(CLASSPATH)) {
                return ModelLocations.resolve(config.id(), source);
            }
            if (extractedDirectory == null) {
                extractedDirectory = extractClasspathDirectory(trimSlashes(source.substring(CLASSPATH.length())));
            }
            return extractedDirectory;
        }

        private Path extractClasspathDirectory(String directory) {
            try {
                Path target = Files.createTempDirectory("visprompt-model-" + config.id() + "-");
                int copied = 0;
                String marker = "/" + directory + "/";
                for (Resource resource : resources.getResources("classpath*:" + directory + "/**")) {
                    String url = resource.getURL().toString();
                    int at = url.lastIndexOf(marker);
                    if (at >= 0 && !url.endsWith("/") && resource.isReadable()) {
                        copied += copy(resource, target, url.substring(at + marker.length()));
                    }
                }
                if (copied == 0) {
                    // Listing needs directory entries, which a hand-built jar may lack: try the known file names.
                    for (String name : TorchScriptModels.KNOWN_FILES) {
                        Resource resource = resources.getResource(CLASSPATH + directory + "/" + name);
                        if (resource.exists()) {
                            copied += copy(resource, target, name);
                        }
                    }
                }
                if (copied == 0) {
                    throw new IllegalArgumentException("Model " + config.id() + ": nothing found at classpath:"
                            + directory);
                }
                return target;
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot extract model " + config.id() + " from the classpath", e);
            }
        }

        private static int copy(Resource resource, Path directory, String relativePath) throws IOException {
            Path file = directory.resolve(relativePath).normalize();
            if (!file.startsWith(directory)) {
                return 0;
            }
            Files.createDirectories(file.getParent());
            try (InputStream in = resource.getInputStream()) {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
            return 1;
        }

        synchronized void close() {
            if (loaded != null) {
                loaded.close();
                loaded = null;
            }
            if (extractedDirectory != null) {
                deleteRecursively(extractedDirectory);
                extractedDirectory = null;
            }
        }
    }

    private static String trimSlashes(String path) {
        String trimmed = path;
        while (trimmed.startsWith("/")) {
            trimmed = trimmed.substring(1);
        }
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return trimmed;
    }

    private static void deleteRecursively(Path directory) {
        try {
            FileTrees.delete(directory);
        } catch (IOException e) {
            log.warn("Cannot delete extracted model directory {}: {}", directory, e.getMessage());
        }
    }
}
