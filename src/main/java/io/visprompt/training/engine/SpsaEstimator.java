package io.visprompt.training.engine;

import java.util.SplittableRandom;

/**
 * Simultaneous perturbation (SPSA, Spall 1992) as BlackVIP uses it: for each of {@code q = queries/2} Rademacher
 * directions {@code d} (entries +-1), {@code g += (L(x + c d) - L(x - c d)) / (2c) * d}, averaged over the directions.
 * Since {@code E[d d^T] = I}, the mean estimate is the gradient up to O(c^2). BlackVIP's gradient correction (a
 * Nesterov look-ahead) is applied by the optimizer, which asks for the estimate at {@code x + beta m}
 * ({@link CorrectedMomentum}).
 */
final class SpsaEstimator implements GradientEstimator {

    private final int directions;

    SpsaEstimator(int queriesPerStep) {
        if (queriesPerStep < 2 || queriesPerStep % 2 != 0) {
            throw new IllegalArgumentException("SPSA needs an even number of queries per step (2 per direction), got "
                    + queriesPerStep);
        }
        this.directions = queriesPerStep / 2;
    }

    @Override
    public int queriesPerStep() {
        return 2 * directions;
    }

    @Override
    public Estimate estimate(LossOracle oracle, float[] point, float[] mask, double perturbation,
            SplittableRandom random) {
        float[] gradient = new float[point.length];
        float[] direction = new float[point.length];
        float[] probe = new float[point.length];
        double lossSum = 0;
        long correctSum = 0;
        for (int k = 0; k < directions; k++) {
            for (int i = 0; i < point.length; i++) {
                direction[i] = mask[i] == 0f ? 0f : (random.nextBoolean() ? 1f : -1f);
            }
            LossOracle.Answer plus = oracle.query(shifted(point, direction, perturbation, probe));
            LossOracle.Answer minus = oracle.query(shifted(point, direction, -perturbation, probe));
            float scale = (float) ((plus.loss() - minus.loss()) / (2 * perturbation * directions));
            for (int i = 0; i < point.length; i++) {
                gradient[i] += scale * direction[i];
            }
            lossSum += plus.loss() + minus.loss();
            correctSum += plus.correct() + minus.correct();
        }
        return new Estimate(gradient, lossSum / (2 * directions), (int) Math.round(correctSum / (2.0 * directions)));
    }

    static float[] shifted(float[] point, float[] direction, double step, float[] into) {
        float s = (float) step;
        for (int i = 0; i < point.length; i++) {
            into[i] = point[i] + s * direction[i];
        }
        return into;
    }
}
