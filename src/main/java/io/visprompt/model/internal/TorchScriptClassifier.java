package io.visprompt.model.internal;

import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.visprompt.model.ModelDescriptor;

/**
 * A TorchScript image classifier ({@code model.pt}): normalized images in, source-class logits out; optionally a
 * feature method (named by {@code feature_method} in {@code model.json}) that gives the linear probe's features.
 */
final class TorchScriptClassifier extends TorchScriptModel {

    private final FrozenTorchScript network;
    private final String featureMethod;

    /** @param featureMethod a method of the module, or null for the logits */
    TorchScriptClassifier(ModelDescriptor descriptor, FrozenTorchScript network, String featureMethod) {
        super(descriptor);
        if (featureMethod != null && !network.methodNames().contains(featureMethod)) {
            List<String> methods = network.methodNames();
            network.close();
            throw new IllegalArgumentException("feature_method '" + featureMethod + "' is not a method of the "
                    + "TorchScript module (it has " + methods + "; export it with @torch.jit.export)");
        }
        this.network = network;
        this.featureMethod = featureMethod;
    }

    @Override
    public NDArray probeFeatures(NDArray images) {
        return featureMethod == null ? forward(images, false) : network.runMethod(featureMethod, images);
    }

    @Override
    public String probeFeatureSource() {
        return featureMethod == null ? "logits" : featureMethod + "()";
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
