package io.visprompt.training.engine;

import java.awt.image.BufferedImage;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.stream.IntStream;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.visprompt.model.FrozenModel;
import io.visprompt.model.ModelKind;

/**
 * A frozen model with a learned prompt (or none) and a head over the task's classes: images in, class
 * probabilities out. The training engine evaluates through this class too, so serving predicts exactly what
 * training measured. Safe for concurrent {@link #probabilities} calls; close it to free its arrays.
 */
public final class PromptedClassifier implements AutoCloseable {

    private final PromptedForward forward;
    private final PromptTensor prompt;
    private final NDManager manager;
    private final NDArray promptArray;
    private final int classCount;

    /**
     * @param prompt        the learned prompt, or null for the unprompted model (zero-shot / text-prompt baseline)
     * @param classNames    the task's classes, in label order
     * @param labelMapping  classifier: target class -> source class (null means target i is source i); ignored for CLIP
     * @param textTemplates CLIP: templates with {@code {}} for the class name; null or empty uses the model's, or
     *                      {@value io.visprompt.model.ModelDescriptor#DEFAULT_TEXT_TEMPLATE}; ignored for classifiers
     */
    public PromptedClassifier(FrozenModel model, PromptTensor prompt, List<String> classNames, int[] labelMapping,
            List<String> textTemplates) {
        this.manager = NDManager.newBaseManager("PyTorch");
        try {
            OutputHead head;
            if (model.descriptor().kind() == ModelKind.CLIP) {
                List<String> templates = textTemplates != null && !textTemplates.isEmpty() ? textTemplates
                        : model.descriptor().templates();
                // A child of this classifier's manager: closed with it.
                head = ClipTextHead.encode(model, manager, classNames, templates);
            } else {
                int[] mapping = labelMapping != null ? labelMapping.clone()
                        : IntStream.range(0, classNames.size()).toArray();
                if (mapping.length != classNames.size()) {
                    throw new IllegalArgumentException("label mapping has " + mapping.length + " entries for "
                            + classNames.size() + " classes");
                }
                head = new ClassifierLabelHead(mapping);
            }
            PromptPlacement placement = prompt != null ? prompt.placement() : PromptPlacement.NORMALIZED;
            this.forward = new PromptedForward(model, placement, head);
            this.prompt = prompt;
            this.promptArray = promptArray(manager, prompt, forward.inputSize());
            this.classCount = classNames.size();
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** For the engine: shares a head that the run owns (text features encoded once per run). */
    PromptedClassifier(PromptedForward forward, PromptTensor prompt, int classCount, NDManager parent) {
        this.manager = parent.newSubManager();
        this.forward = prompt == null || prompt.placement() == forward.placement() ? forward
                : new PromptedForward(forward.model(), prompt.placement(), forward.head());
        this.prompt = prompt;
        this.promptArray = promptArray(manager, prompt, forward.inputSize());
        this.classCount = classCount;
    }

    private static NDArray promptArray(NDManager manager, PromptTensor prompt, int inputSize) {
        if (prompt == null) {
            return null;
        }
        if (prompt.height() != inputSize || prompt.width() != inputSize) {
            throw new IllegalArgumentException("prompt is " + prompt.height() + "x" + prompt.width()
                    + " but the model takes " + inputSize + "x" + inputSize);
        }
        float[] masked = new float[prompt.values().length];
        for (int i = 0; i < masked.length; i++) {
            masked[i] = prompt.values()[i] * prompt.mask()[i];
        }
        return manager.create(masked, new Shape(3, prompt.height(), prompt.width()));
    }

    /**
     * Sets up the calling thread to run only serving forward passes: autograd off (no graph is recorded; the
     * thread's default would record one) and TorchScript's graph-executor optimisation off (it otherwise profiles and
     * re-specialises the model for every new batch shape a dynamic batcher produces). Both are per thread in
     * libtorch: training threads keep their own. On the 32 px demo model (2 shared cores) a batch of one took
     * 2.2-3.1 ms with the thread's defaults and 1.6-2.1 ms without.
     */
    public static void configureServingThread() {
        JniUtils.setGradMode(false);
        JniUtils.setGraphExecutorOptimize(false);
    }

    public int inputSize() {
        return forward.inputSize();
    }

    public int classCount() {
        return classCount;
    }

    /**
     * The pixels this classifier takes for an image: the model's resize and centre crop as [0,1] floats, channels
     * last {@code [H*W*3]}. For a pixel-space prompt ({@link PromptPlacement#PIXEL_SHRINK}) the image is shrunk to
     * {@code H - 2p} and zero-padded to {@code H}, so the prompt frames it.
     */
    public float[] prepare(BufferedImage image) {
        return prepare(forward.model(), prompt, image);
    }

    /** {@link #prepare(BufferedImage)} for a model and prompt (null: unprompted), without making a classifier. */
    static float[] prepare(FrozenModel model, PromptTensor prompt, BufferedImage image) {
        if (prompt == null || prompt.placement() != PromptPlacement.PIXEL_SHRINK) {
            return model.preprocessor().toPixelsHwc(image);
        }
        int side = model.descriptor().inputSize();
        int border = prompt.size();
        int inner = side - 2 * border;
        float[] shrunk = model.preprocessor().toPixelsHwc(image, inner);
        float[] padded = new float[side * side * 3];
        for (int y = 0; y < inner; y++) {
            System.arraycopy(shrunk, y * inner * 3, padded, ((y + border) * side + border) * 3, inner * 3);
        }
        return padded;
    }

    /** Class probabilities {@code [N][classes]} for images from {@link #prepare}. */
    public float[][] probabilities(List<float[]> images) {
        int valuesPerImage = forward.inputSize() * forward.inputSize() * 3;
        FloatBuffer batch = FloatBuffer.allocate(images.size() * valuesPerImage);
        for (float[] image : images) {
            if (image.length != valuesPerImage) {
                throw new IllegalArgumentException("expected " + valuesPerImage + " values per image, got "
                        + image.length);
            }
            batch.put(image);
        }
        batch.flip();
        try (NDManager call = manager.newSubManager()) {
            float[] flat = logits(call, batch, images.size()).softmax(1).toFloatArray();
            float[][] rows = new float[images.size()][classCount];
            for (int i = 0; i < rows.length; i++) {
                System.arraycopy(flat, i * classCount, rows[i], 0, classCount);
            }
            return rows;
        }
    }

    /** Task logits for a channels-last batch, in {@code call}: the path both evaluation and serving take. */
    NDArray logits(NDManager call, FloatBuffer pixelsNhwc, int count) {
        return forward.logits(forward.pixels(call, pixelsNhwc, count), promptArray, false);
    }

    interface PredictionSink {
        void accept(int predicted, int label);
    }

    /** Top-1 predictions over a cache, in batches, in cache order. */
    void predict(ImageCache cache, int batchSize, PredictionSink sink) {
        try (BatchStream batches = new BatchStream(cache, BatchStream.sequentialOrder(cache.size()), batchSize, 0)) {
            for (BatchStream.Batch batch = batches.next(); batch != null; batch = batches.next()) {
                try (NDManager call = manager.newSubManager()) {
                    long[] predicted = logits(call, batch.pixelsNhwc(), batch.count()).argMax(1).toLongArray();
                    for (int i = 0; i < batch.count(); i++) {
                        sink.accept((int) predicted[i], batch.labels()[i]);
                    }
                }
            }
        }
    }

    /** Top-1 accuracy over a cache; NaN when it is empty. */
    double accuracy(ImageCache cache, int batchSize) {
        if (cache.size() == 0) {
            return Double.NaN;
        }
        int[] correct = {0};
        predict(cache, batchSize, (predicted, label) -> {
            if (predicted == label) {
                correct[0]++;
            }
        });
        return (double) correct[0] / cache.size();
    }

    @Override
    public void close() {
        manager.close();
    }
}
