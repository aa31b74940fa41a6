package io.visprompt.model.internal;

import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.visprompt.model.ModelDescriptor;

/** A TorchScript image classifier ({@code model.pt}): normalized images in, source-class logits out. */
final class TorchScriptClassifier extends TorchScriptModel {

    private final FrozenTorchScript network;

    TorchScriptClassifier(ModelDescriptor descriptor, FrozenTorchScript network) {
        super(descriptor);
        this.network = network;
    }

    @Override
    public NDArray forward(NDArray images, boolean training) {
        return network.forward(images, training);
    }

    @Override
    public NDArray encodeTexts(NDManager manager, List<String> texts) {
        throw new UnsupportedOperationException("Model " + descriptor().id() + " is a classifier, not CLIP");
    }

    @Override
    public float logitScale() {
        throw new UnsupportedOperationException("Model " + descriptor().id() + " is a classifier, not CLIP");
    }

    @Override
    public List<NDArray> weights() {
        return network.weights();
    }

    @Override
    public void close() {
        network.close();
    }
}
