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
}
