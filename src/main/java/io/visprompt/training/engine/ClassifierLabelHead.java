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
        NDArray columns = modelOutput.getManager().create(sourceOfTarget);
        return modelOutput.get(new NDIndex(":, {}", columns));
    }
}
