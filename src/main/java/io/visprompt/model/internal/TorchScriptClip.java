package io.visprompt.model.internal;

import java.util.ArrayList;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.visprompt.model.ModelDescriptor;

/**
 * CLIP as two TorchScript modules: {@code image_encoder.pt} (normalized images to image features) and a text side
 * ({@link ClipTextEncoder}) that turns texts into L2-normalized text features.
 */
final class TorchScriptClip extends TorchScriptModel {

    private final FrozenTorchScript imageEncoder;
    private final ClipTextEncoder textEncoder;
    private final float logitScale;

    TorchScriptClip(ModelDescriptor descriptor, FrozenTorchScript imageEncoder, ClipTextEncoder textEncoder,
            float logitScale) {
        super(descriptor);
        this.imageEncoder = imageEncoder;
        this.textEncoder = textEncoder;
        this.logitScale = logitScale;
    }

    @Override
    public NDArray forward(NDArray images, boolean training) {
        return imageEncoder.forward(images, training);
    }

    @Override
    public NDArray encodeTexts(NDManager manager, List<String> texts) {
        return textEncoder.encode(manager, texts);
    }

    @Override
    public float logitScale() {
        return logitScale;
    }

    @Override
    public List<NDArray> weights() {
        List<NDArray> weights = new ArrayList<>(imageEncoder.weights());
        weights.addAll(textEncoder.weights());
        return weights;
    }

    @Override
    public void close() {
        try {
            imageEncoder.close();
        } finally {
            textEncoder.close();
        }
    }
}
