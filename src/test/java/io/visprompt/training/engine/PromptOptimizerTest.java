package io.visprompt.training.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PromptOptimizerTest {

    private final float[] mask = {1, 1, 0};

    @Test
    void momentumSgdFollowsPyTorchsUpdate() {
        MomentumSgd sgd = new MomentumSgd(3, 0.9, 0);
        float[] values = {1f, -2f, 0f};

        sgd.update(values, new float[] {0.5f, 1f, 7f}, mask, 2.0);
        // first step: buf = g; p -= lr * g
        assertThat(values).containsExactly(0f, -4f, 0f);

        sgd.update(values, new float[] {0.5f, 1f, 7f}, mask, 1.0);
        // buf = 0.9 * buf + g = (0.95, 1.9); p -= 1 * buf
        assertThat(values[0]).isCloseTo(-0.95f, within(1e-6f));
        assertThat(values[1]).isCloseTo(-5.9f, within(1e-6f));
        assertThat(values[2]).isZero();
        assertThat(sgd.state()).containsExactly(0.95f, 1.9f, 0f);
    }

    @Test
    void weightDecayIsAddedToTheGradient() {
        MomentumSgd sgd = new MomentumSgd(3, 0, 0.1);
        float[] values = {2f, 0f, 0f};

        sgd.update(values, new float[] {1f, 0f, 0f}, mask, 1.0);

        assertThat(values[0]).isCloseTo(2f - 1.2f, within(1e-6f));
    }

    @Test
    void restoredMomentumContinuesExactly() {
        MomentumSgd first = new MomentumSgd(3, 0.9, 0);
        float[] a = {1f, 1f, 0f};
        first.update(a, new float[] {0.3f, -0.2f, 0f}, mask, 0.5);
        MomentumSgd second = new MomentumSgd(3, 0.9, 0);
        second.restore(first.state());
        float[] b = a.clone();

        first.update(a, new float[] {0.1f, 0.4f, 0f}, mask, 0.5);
        second.update(b, new float[] {0.1f, 0.4f, 0f}, mask, 0.5);

        assertThat(b).containsExactly(a);
    }

    @Test
    void normalizedSgdStepsExactlyTheLearningRateAlongTheMaskedGradient() {
        NormalizedSgd sgd = new NormalizedSgd(0);
        float[] values = {0f, 0f, 0f};

        sgd.update(values, new float[] {3f, 4f, 100f}, mask, 70.0);

        // g / ||g|| over the mask = (0.6, 0.8); the masked-out entry neither moves nor counts in the norm.
        assertThat(values[0]).isCloseTo(-42f, within(1e-4f));
        assertThat(values[1]).isCloseTo(-56f, within(1e-4f));
        assertThat(values[2]).isZero();
        assertThat(sgd.state()).isEmpty();
    }

    @Test
    void adamsFirstStepMovesEachLearnablePixelByTheLearningRateAgainstItsGradient() {
        PromptOptimizer adam = PromptOptimizer.of(OptimizerKind.ADAM, 3, 0.9, 0);
        float[] values = {1f, -2f, 5f};

        adam.update(values, new float[] {0.5f, -3f, 7f}, mask, 0.01);

        // bias-corrected m / sqrt(v) is g / |g| on the first step (up to eps)
        assertThat(values[0]).isCloseTo(0.99f, within(1e-6f));
        assertThat(values[1]).isCloseTo(-1.99f, within(1e-6f));
        assertThat(values[2]).isEqualTo(5f);
    }

    @Test
    void adamFollowsPyTorchsSecondStep() {
        PromptOptimizer adam = PromptOptimizer.of(OptimizerKind.ADAM, 3, 0.9, 0);
        float[] values = {0f, 0f, 0f};

        adam.update(values, new float[] {1f, 1f, 0f}, mask, 0.1);
        adam.update(values, new float[] {0f, 3f, 0f}, mask, 0.1);

        // step 2, pixel 0: m = 0.09, v = 0.000999; m^ = 0.09/0.19, v^ = 0.000999/0.001999
        double m0 = 0.09 / 0.19;
        double v0 = 0.000999 / (1 - 0.999 * 0.999);
        assertThat(values[0]).isCloseTo((float) (-0.1 - 0.1 * m0 / (Math.sqrt(v0) + 1e-8)), within(1e-6f));
        // pixel 1: m = 0.09 + 0.3 = 0.39, v = 0.000999 + 0.009 = 0.009999
        double m1 = 0.39 / 0.19;
        double v1 = 0.009999 / (1 - 0.999 * 0.999);
        assertThat(values[1]).isCloseTo((float) (-0.1 - 0.1 * m1 / (Math.sqrt(v1) + 1e-8)), within(1e-6f));
    }

    @Test
    void adamsWeightDecayIsL2AddedToTheGradient() {
        PromptOptimizer withDecay = PromptOptimizer.of(OptimizerKind.ADAM, 3, 0.9, 0.5);
        PromptOptimizer without = PromptOptimizer.of(OptimizerKind.ADAM, 3, 0.9, 0);
        float[] a = {2f, 2f, 0f};
        float[] b = {2f, 2f, 0f};

        // gradient -0.5 plus 0.5 * 2 = +0.5: the decayed pixel moves the other way
        withDecay.update(a, new float[] {-0.5f, 1f, 0f}, mask, 0.1);
        without.update(b, new float[] {-0.5f, 1f, 0f}, mask, 0.1);

        assertThat(a[0]).isCloseTo(1.9f, within(1e-6f));
        assertThat(b[0]).isCloseTo(2.1f, within(1e-6f));
    }

    @Test
    void restoredAdamContinuesExactlyIncludingItsBiasCorrection() {
        PromptOptimizer first = PromptOptimizer.of(OptimizerKind.ADAM, 3, 0.9, 0);
        float[] a = {1f, 1f, 0f};
        for (int step = 0; step < 3; step++) {
            first.update(a, new float[] {0.3f * (step + 1), -0.2f, 0f}, mask, 0.01);
        }
        float[] saved = first.state();
        PromptOptimizer second = PromptOptimizer.of(OptimizerKind.ADAM, 3, 0.9, 0);
        second.restore(saved);
        float[] b = a.clone();

        first.update(a, new float[] {0.1f, 0.4f, 0f}, mask, 0.01);
        second.update(b, new float[] {0.1f, 0.4f, 0f}, mask, 0.01);

        assertThat(saved).hasSize(2 * 3 + 1);
        assertThat(b).containsExactly(a);
        assertThat(second.state()).containsExactly(first.state());
    }

    @Test
    void eachOptimizerHasItsOwnDefaultLearningRate() {
        assertThat(OptimizerKind.SGD.defaultLearningRate()).isEqualTo(40.0);
        assertThat(OptimizerKind.NORMALIZED_SGD.defaultLearningRate()).isEqualTo(3.0);
        assertThat(OptimizerKind.ADAM.defaultLearningRate()).isEqualTo(0.01);
    }
}
