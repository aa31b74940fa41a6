package io.visprompt.model.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import io.visprompt.model.ModelDescriptor;
import io.visprompt.model.ModelKind;

/** Opens models from local files with the PyTorch engine, frozen (see {@link FrozenTorchScript}). */
public final class TorchScriptModels {

    static final String CLASSIFIER_NAME = "model";
    static final String IMAGE_ENCODER_NAME = "image_encoder";
    private static final float DEFAULT_LOGIT_SCALE = 100f;

    /** The files a model directory may hold, for sources that cannot be listed. */
    public static final List<String> KNOWN_FILES = List.of(ModelMetadata.FILE_NAME, CLASSIFIER_NAME + ".pt",
            IMAGE_ENCODER_NAME + ".pt", ClipTextEncoder.ENCODER_NAME + ".pt", ClipTextEncoder.TOKENIZER_FILE,
            ClipTextEncoder.EMBEDDINGS_FILE);

    private TorchScriptModels() {
    }

    /** The kind a model location's files imply: CLIP when it holds an image encoder. */
    public static ModelKind detectKind(Path location) {
        return Files.isRegularFile(location.resolve(IMAGE_ENCODER_NAME + ".pt")) ? ModelKind.CLIP : ModelKind.CLASSIFIER;
    }

    /** The metadata of a model directory, or of the directory holding a {@code .pt} file. */
    public static ModelMetadata metadataOf(Path location) {
        return ModelMetadata.readFrom(Files.isDirectory(location) ? location : location.toAbsolutePath().getParent());
    }

    /** A model directory described by its own {@code model.json}, for plain-Java use and tests. */
    public static LoadedModel openDirectory(String id, Path directory) {
        ModelDescriptor descriptor = ModelDescriptors.describe(ConfiguredModel.of(id, directory.toString()),
                metadataOf(directory), detectKind(directory));
        return open(descriptor, directory);
    }

    /**
     * @param location a model directory, or a classifier's {@code .pt} file
     */
    public static LoadedModel open(ModelDescriptor descriptor, Path location) {
        if (Files.isRegularFile(location)) {
            if (descriptor.kind() == ModelKind.CLIP) {
                throw new IllegalArgumentException("A CLIP model needs a directory, not the single file " + location);
            }
            String fileName = location.getFileName().toString();
            if (!fileName.endsWith(".pt")) {
                throw new IllegalArgumentException("Expected a TorchScript .pt file: " + location);
            }
            Path directory = location.toAbsolutePath().getParent();
            String name = fileName.substring(0, fileName.length() - ".pt".length());
            return new TorchScriptClassifier(descriptor, FrozenTorchScript.load(directory, name),
                    ModelMetadata.readFrom(directory).featureMethod());
        }
        if (!Files.isDirectory(location)) {
            throw new IllegalArgumentException("Model location " + location + " does not exist");
        }
        ModelMetadata metadata = ModelMetadata.readFrom(location);
        if (descriptor.kind() == ModelKind.CLIP) {
            FrozenTorchScript imageEncoder = FrozenTorchScript.load(location, IMAGE_ENCODER_NAME);
            try {
                ClipTextEncoder textEncoder = ClipTextEncoder.open(location, metadata);
                float logitScale = metadata.logitScale() != null ? metadata.logitScale() : DEFAULT_LOGIT_SCALE;
                return new TorchScriptClip(descriptor, imageEncoder, textEncoder, logitScale);
            } catch (RuntimeException e) {
                imageEncoder.close();
                throw e;
            }
        }
        return new TorchScriptClassifier(descriptor, FrozenTorchScript.load(location, classifierName(location)),
                metadata.featureMethod());
    }

    /** {@code model.pt}, or the only {@code .pt} file of a directory (zoo archives often name it after the model). */
    private static String classifierName(Path directory) {
        if (Files.isRegularFile(directory.resolve(CLASSIFIER_NAME + ".pt"))) {
            return CLASSIFIER_NAME;
        }
        try (Stream<Path> files = Files.list(directory)) {
            List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".pt")).toList();
            if (names.size() != 1) {
                throw new IllegalArgumentException("Expected " + CLASSIFIER_NAME + ".pt or a single .pt file in "
                        + directory + ", found " + names);
            }
            return names.get(0).substring(0, names.get(0).length() - ".pt".length());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
