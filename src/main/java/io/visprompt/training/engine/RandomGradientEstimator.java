package io.visprompt.training.engine;

import java.util.SplittableRandom;

/**
 * Random gradient-free estimation as in BAR (Tsai et al., 2020): one query at the point and {@code q = queries - 1}
 * Gaussian directions {@code u ~ N(0, I)} (on the learnable entries), each a forward difference:
 * {@code g = 1/q * sum (L(x + c u) - L(x)) / c * u}. Since {@code E[u u^T] = I}, the mean estimate is the gradient
 * of the Gaussian-smoothed loss, which tends to the true gradient as {@code c} shrinks.
 */
final class RandomGradientEstimator implements GradientEstimator {

    private final int directions;

    RandomGradientEstimator(int queriesPerStep) {
        if (queriesPerStep < 2) {
            throw new IllegalArgumentException("RGF needs at least 2 queries per step (the point and one direction), "
                    + "got " + queriesPerStep);
        }
        this.directions = queriesPerStep - 1;
    }

    @Override
    public int queriesPerStep() {
        return directions + 1;
    }

    @Override
    public Estimate estimate(LossOracle oracle, float[] point, float[] mask, double perturbation,
            SplittableRandom random) {
        LossOracle.Answer base = oracle.query(point.clone());
        float[] gradient = new float[point.length];
        float[] direction = new float[point.length];
        float[] probe = new float[point.length];
        for (int k = 0; k < directions; k++) {
            for (int i = 0; i < point.length; i++) {
                direction[i] = mask[i] == 0f ? 0f : (float) gaussian(random);
            }
            LossOracle.Answer moved = oracle.query(SpsaEstimator.shifted(point, direction, perturbation, probe));
            float scale = (float) ((moved.loss() - base.loss()) / (perturbation * directions));
            for (int i = 0; i < point.length; i++) {
                gradient[i] += scale * direction[i];
            }
        }
        return new Estimate(gradient, base.loss(), base.correct());
    }

    /** A standard normal draw (Box-Muller), from {@code random} alone so a seed fixes every direction. */
    static double gaussian(SplittableRandom random) {
        double u = 1.0 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2.0 * Math.PI * v);
    }
}
