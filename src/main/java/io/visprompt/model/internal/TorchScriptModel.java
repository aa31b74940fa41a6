package io.visprompt.model.internal;

import io.visprompt.model.ImagePreprocessor;
import io.visprompt.model.ModelDescriptor;

/** What every loaded TorchScript model shares: its descriptor and the preprocessing the descriptor defines. */
abstract class TorchScriptModel implements LoadedModel {

    private final ModelDescriptor descriptor;
    private final ImagePreprocessor preprocessor;

    TorchScriptModel(ModelDescriptor descriptor) {
        this.descriptor = descriptor;
        this.preprocessor = new CenterCropPreprocessor(descriptor.inputSize(), descriptor.resize(),
                descriptor.mean(), descriptor.std());
    }

    @Override
    public final ModelDescriptor descriptor() {
        return descriptor;
    }

    @Override
    public final ImagePreprocessor preprocessor() {
        return preprocessor;
    }
}
