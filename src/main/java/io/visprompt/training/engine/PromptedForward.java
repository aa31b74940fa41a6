package io.visprompt.training.engine;

import java.nio.FloatBuffer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.visprompt.model.FrozenModel;

/**
 * The one forward pass of a prompted model, shared by training, evaluation and serving: pixels in, task logits out.
 * <ul>
 * <li>Batches arrive channels last ({@code [N,H,W,3]}) and are viewed as {@code [N,3,H,W]} without a copy; kept in
 * that memory layout through the additions (image first), oneDNN runs its NHWC kernels, which are much faster on
 * CPU than converting layouts around every convolution.</li>
 * <li>{@link PromptPlacement#NORMALIZED}: {@code model(normalize(x) + prompt)}; {@link PromptPlacement#PIXEL_SHRINK}:
 * {@code model(normalize(x + prompt))} with {@code x} already shrunk and zero-padded. No clamping, as in both
 * references.</li>
 * </ul>
 */
final class PromptedForward {

    /** How a batch reaches the model. The service always uses {@link #CHANNELS_LAST}; {@code bench/} measures both. */
    enum InputLayout {
        /** The {@code [N,H,W,3]} batch viewed as {@code [N,3,H,W]}, no copy. */
        CHANNELS_LAST,
        /** One copy per batch into plain NCHW-contiguous memory. */
        NCHW
    }

    private final FrozenModel model;
    private final PromptPlacement placement;
    private final OutputHead head;
    private final float[] mean;
    private final float[] std;
    private final int inputSize;
    private final InputLayout layout;

    PromptedForward(FrozenModel model, PromptPlacement placement, OutputHead head) {
        this(model, placement, head, InputLayout.CHANNELS_LAST);
    }

    PromptedForward(FrozenModel model, PromptPlacement placement, OutputHead head, InputLayout layout) {
        this.layout = layout;
        this.model = model;
        this.placement = placement;
        this.head = head;
        this.mean = model.descriptor().mean().clone();
        this.std = model.descriptor().std().clone();
        this.inputSize = model.descriptor().inputSize();
    }

    FrozenModel model() {
        return model;
    }

    PromptPlacement placement() {
        return placement;
    }

    OutputHead head() {
        return head;
    }

    int inputSize() {
        return inputSize;
    }

    /** A batch of channels-last pixels as an {@code [N,3,H,W]} view with NHWC strides, in {@code manager}. */
    NDArray pixels(NDManager manager, FloatBuffer pixelsNhwc, int count) {
        pixelsNhwc.rewind();
        NDArray view = manager.create(pixelsNhwc, new Shape(count, inputSize, inputSize, 3)).transpose(0, 3, 1, 2);
        if (layout == InputLayout.CHANNELS_LAST) {
            return view;
        }
        // flatten cannot view a permuted array, so it copies into NCHW order; the reshape is then a plain view.
        return view.flatten().reshape(new Shape(count, 3, inputSize, inputSize));
    }

    /** Task logits for pixels in [0,1] ({@code [N,3,H,W]}) and an optional placed prompt {@code [3,H,W]}. */
    NDArray logits(NDArray pixels, NDArray prompt, boolean training) {
        if (prompt != null && placement == PromptPlacement.PIXEL_SHRINK) {
            return head.logits(model.forward(normalize(pixels.add(prompt)), training));
        }
        return logitsOfNormalized(normalize(pixels), prompt, training);
    }

    /** Task logits for already normalized images; the prompt, if any, is added as {@link PromptPlacement#NORMALIZED}. */
    NDArray logitsOfNormalized(NDArray normalized, NDArray prompt, boolean training) {
        NDArray input = prompt == null ? normalized : normalized.add(prompt);
        return head.logits(model.forward(input, training));
    }

    private NDArray normalize(NDArray pixels) {
        NDManager manager = pixels.getManager();
        NDArray meanArray = manager.create(mean, new Shape(3, 1, 1));
        NDArray stdArray = manager.create(std, new Shape(3, 1, 1));
        return pixels.sub(meanArray).div(stdArray);
    }
}
