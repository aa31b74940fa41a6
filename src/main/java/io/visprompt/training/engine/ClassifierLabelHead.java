package io.visprompt.training.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/** A classifier's source logits restricted to the source class mapped to each target class: {@code logits[:, mapping]}. */
final class ClassifierLabelHead implements OutputHead {

    private final long[] sourceOfTarget;

    /** @param mapping target class -> source class */
    ClassifierLabelHead(int[] mapping) {
        this.sourceOfTarget = new long[mapping.length];
        for (int i = 0; i < mapping.length; i++) {
            sourceOfTarget[i] = mapping[i];
        }
    }

    @Override
    public NDArray logits(NDArray modelOutput) {
        long sources = modelOutput.getShape().get(1);
        for (long source : sourceOfTarget) {
            if (source < 0 || source >= sources) {
                // checked here, not left to the engine's gather, whose error reads as a server fault
                throw new IllegalArgumentException("the label mapping names source class " + source
                        + " but the model has " + sources + " outputs");
            }
        }
        NDArray columns = modelOutput.getManager().create(sourceOfTarget);
        return modelOutput.get(new NDIndex(":, {}", columns));
    }
}
