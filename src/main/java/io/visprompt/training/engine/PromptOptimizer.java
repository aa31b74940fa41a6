package io.visprompt.training.engine;

/** Updates the stored prompt values in place from the gradient of the stored values (already masked). */
sealed interface PromptOptimizer permits MomentumSgd, NormalizedSgd, Adam, CorrectedMomentum {

    void update(float[] values, float[] gradient, float[] mask, double learningRate);

    /** What must be checkpointed to continue exactly (empty when stateless). */
    float[] state();

    void restore(float[] state);

    /** @param momentum used by SGD, SPSA-GC (its look-ahead beta) and RGF */
    static PromptOptimizer of(OptimizerKind kind, int length, double momentum, double weightDecay) {
        return switch (kind) {
            case SGD -> new MomentumSgd(length, momentum, weightDecay);
            case NORMALIZED_SGD -> new NormalizedSgd(weightDecay);
            case ADAM -> new Adam(length, weightDecay);
            case SPSA_GC -> new CorrectedMomentum(length, momentum, weightDecay);
            case RGF -> new MomentumSgd(length, momentum, weightDecay);
        };
    }
}
