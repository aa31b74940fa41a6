package io.visprompt.training.engine;

import java.util.SplittableRandom;

/**
 * A zeroth-order estimate of the prompt's loss gradient from {@link LossOracle} queries only. Perturbations touch the
 * learnable (masked) entries only, so the estimate lives in the prompt's own dimension.
 */
sealed interface GradientEstimator permits SpsaEstimator, RandomGradientEstimator {

    /**
     * @param point        where to estimate (stored values; not modified)
     * @param perturbation the finite-difference step c
     */
    Estimate estimate(LossOracle oracle, float[] point, float[] mask, double perturbation, SplittableRandom random);

    /** Oracle queries one {@link #estimate} makes. */
    int queriesPerStep();

    /**
     * @param loss    the batch loss at (SPSA: the mean around) the point, for the run's metrics
     * @param correct top-1 hits at (SPSA: the mean around) the point
     */
    record Estimate(float[] gradient, double loss, int correct) {
    }

    /** The estimator of a black-box optimizer with the given queries per step. */
    static GradientEstimator of(OptimizerKind kind, int queriesPerStep) {
        return switch (kind) {
            case SPSA_GC -> new SpsaEstimator(queriesPerStep);
            case RGF -> new RandomGradientEstimator(queriesPerStep);
            default -> throw new IllegalArgumentException(kind.wireName() + " is not a black-box optimizer");
        };
    }
}
