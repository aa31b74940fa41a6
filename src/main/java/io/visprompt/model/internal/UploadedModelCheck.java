package io.visprompt.model.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.visprompt.model.ModelDescriptor;
import io.visprompt.model.ModelKind;
import io.visprompt.model.ModelRefused;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What an uploaded model must show before it is stored: its files are TorchScript, it loads, one forward pass on a
 * dummy batch of the stated input size gives the stated output shape with finite values, and a gradient reaches the
 * image input (prompt learning needs nothing else from a model).
 */
public final class UploadedModelCheck {

    /** Images in the dummy batch: more than one, so a model that mixes up the batch dimension shows it. */
    static final int BATCH = 2;
    private static final int MAX_DETAIL = 300;
    /** Entries only TorchScript archives hold: the module's code. A pickled state_dict has data.pkl but no code/. */
    private static final Pattern TORCHSCRIPT_CODE = Pattern.compile("[^/]+/code/.+");
    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};

    private UploadedModelCheck() {
    }

    /** Refuses a file that is not a TorchScript archive, before libtorch reads it. */
    public static void requireTorchScript(Path file, String part) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(4);
            if (!java.util.Arrays.equals(head, ZIP_MAGIC)) {
                throw ModelRefused.notTorchScript(part, "not a zip archive, as torch.jit.save writes");
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                if (TORCHSCRIPT_CODE.matcher(entries.nextElement().getName()).matches()) {
                    return;
                }
            }
            throw ModelRefused.notTorchScript(part, "a torch archive without code (torch.save of weights or a "
                    + "state_dict?); export the model with torch.jit.trace or torch.jit.script and torch.jit.save");
        } catch (ZipException e) {
            throw ModelRefused.notTorchScript(part, "an unreadable zip archive (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Loads the model from {@code directory} as {@code descriptor} describes it and runs the checks.
     *
     * @param textEmbeddings CLIP: the precomputed text embeddings file, or null
     */
    public static void check(ModelDescriptor descriptor, Path directory, Path textEmbeddings) {
        LoadedModel model;
        try {
            model = TorchScriptModels.open(descriptor, directory);
        } catch (IllegalArgumentException e) {
            throw ModelRefused.notTorchScript("file", "libtorch cannot load it (" + detail(e) + ")");
        }
        try (model) {
            int outputs = forwardAndBackward(model, descriptor);
            if (!model.probeFeatureSource().equals("logits") && descriptor.kind() == ModelKind.CLASSIFIER) {
                checkFeatureMethod(model, descriptor.inputSize());
            }
            if (descriptor.kind() == ModelKind.CLIP) {
                checkTextSide(model, descriptor, outputs, textEmbeddings);
            }
        }
    }

    /** The {@code feature_method} a classifier names must give {@code [N,D]} on the same batch. */
    private static void checkFeatureMethod(LoadedModel model, int size) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray images = manager.create(dummyPixels(BATCH * 3 * size * size), new Shape(BATCH, 3, size, size));
            Shape shape;
            try {
                shape = model.probeFeatures(images).getShape();
            } catch (RuntimeException e) {
                throw ModelRefused.metadataMismatch("feature_method " + model.probeFeatureSource() + " fails on a "
                        + "batch of " + BATCH + " images: " + detail(e));
            }
            if (shape.dimension() != 2 || shape.get(0) != BATCH) {
                throw ModelRefused.outputShapeMismatch("feature_method " + model.probeFeatureSource() + " gives "
                        + shape + " for " + BATCH + " images; expected [" + BATCH + ",D]");
            }
        }
    }

    /** @return the output width (classes, or CLIP's feature size) */
    private static int forwardAndBackward(LoadedModel model, ModelDescriptor descriptor) {
        int size = descriptor.inputSize();
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray images = manager.create(dummyPixels(BATCH * 3 * size * size), new Shape(BATCH, 3, size, size));
            images.setRequiresGradient(true);
            NDArray output;
            try {
                output = model.forward(images, true);
            } catch (RuntimeException e) {
                throw ModelRefused.metadataMismatch("the model fails on a batch of " + BATCH + " images of "
                        + size + "x" + size + " (input_size " + size + "): " + detail(e));
            }
            Shape shape = output.getShape();
            int expected = descriptor.kind() == ModelKind.CLASSIFIER ? descriptor.labels().size() : -1;
            if (shape.dimension() != 2 || shape.get(0) != BATCH || (expected > 0 && shape.get(1) != expected)) {
                throw ModelRefused.outputShapeMismatch("for input [" + BATCH + ",3," + size + "," + size
                        + "] the model gives " + shape + "; expected [" + BATCH + ","
                        + (expected > 0 ? expected + "] (one logit per class name)" : "D] (image features)"));
            }
            // backward itself tells whether the graph reaches the input (JniUtils.requiresGrad reads false on
            // outputs of a TorchScript module even when it does)
            NDArray sum = output.sum();
            try {
                JniUtils.backward((PtNDArray) sum, (PtNDArray) manager.ones(sum.getShape(), sum.getDataType()),
                        false, false);
            } catch (RuntimeException e) {
                throw ModelRefused.inputNotDifferentiable("no gradient reaches the image input (detached, or computed "
                        + "without autograd), so no prompt can be learned through it: " + detail(e));
            }
            float[] values = output.toType(DataType.FLOAT32, true).toFloatArray();
            for (float value : values) {
                if (!Float.isFinite(value)) {
                    throw ModelRefused.nonFiniteOutput("the model's output on a dummy batch holds " + value);
                }
            }
            NDArray gradient = images.getGradient();
            float[] g = gradient == null ? new float[0] : gradient.toType(DataType.FLOAT32, false).toFloatArray();
            boolean nonZero = false;
            for (float v : g) {
                if (!Float.isFinite(v)) {
                    throw ModelRefused.inputNotDifferentiable("the gradient at the image input holds " + v);
                }
                nonZero |= v != 0;
            }
            if (!nonZero) {
                throw ModelRefused.inputNotDifferentiable("the gradient at the image input is zero everywhere");
            }
            return (int) shape.get(1);
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    private static void checkTextSide(LoadedModel model, ModelDescriptor descriptor, int imageFeatures,
            Path textEmbeddings) {
        if (textEmbeddings != null) {
            JsonNode root;
            try (InputStream in = Files.newInputStream(textEmbeddings)) {
                root = JsonMapper.builder().build().readTree(in);
            } catch (IOException | RuntimeException e) {
                throw ModelRefused.invalidField("text_embeddings", "not valid JSON (" + detail(e) + ")");
            }
            JsonNode texts = root.path("texts");
            JsonNode embeddings = root.path("embeddings");
            if (!texts.isArray() || !embeddings.isArray() || texts.isEmpty() || texts.size() != embeddings.size()) {
                throw ModelRefused.invalidField("text_embeddings",
                        "needs non-empty arrays \"texts\" and \"embeddings\" of equal length");
            }
            for (int i = 0; i < embeddings.size(); i++) {
                JsonNode vector = embeddings.get(i);
                if (!vector.isArray() || vector.size() != imageFeatures) {
                    throw ModelRefused.metadataMismatch("text embedding " + i + " has " + vector.size()
                            + " values; the image encoder gives " + imageFeatures + " features");
                }
                for (JsonNode v : vector) {
                    if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
                        throw ModelRefused.nonFiniteOutput("text embedding " + i + " holds " + v);
                    }
                }
            }
            return;
        }
        String text = descriptor.textTemplates().get(0).replace("{}", "cat");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray features;
            try {
                features = model.encodeTexts(manager, List.of(text));
            } catch (RuntimeException e) {
                throw ModelRefused.metadataMismatch("the text encoder fails on \"" + text + "\": " + detail(e));
            }
            Shape shape = features.getShape();
            if (shape.dimension() != 2 || shape.get(1) != imageFeatures) {
                throw ModelRefused.outputShapeMismatch("the text encoder gives " + shape + " for one text; the image "
                        + "encoder gives " + imageFeatures + " features");
            }
            for (float v : features.toFloatArray()) {
                if (!Float.isFinite(v)) {
                    throw ModelRefused.nonFiniteOutput("the text encoder's output holds " + v);
                }
            }
        }
    }

    /** Standard normal values from a fixed seed: the same dummy batch for every upload. */
    private static float[] dummyPixels(int count) {
        Random random = new Random(0);
        float[] values = new float[count];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    /** The first line of an engine's message, shortened: libtorch appends long stack traces. */
    private static String detail(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
        int newline = message.indexOf('\n');
        if (newline > 0) {
            message = message.substring(0, newline);
        }
        return message.length() > MAX_DETAIL ? message.substring(0, MAX_DETAIL) + "..." : message;
    }
}
