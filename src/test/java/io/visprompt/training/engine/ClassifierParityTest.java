package io.visprompt.training.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.FloatBuffer;
import java.util.Arrays;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import ai.djl.ndarray.NDManager;
import io.visprompt.model.internal.LoadedModel;

/**
 * The engine against PyTorch on the same TorchScript classifier: loss, prompt gradient, five SGD steps, five Adam
 * steps and the learning-rate schedule. Images go through the real training path (channels last, in-graph normalization).
 */
class ClassifierParityTest {

    private static final int COUNT = 8;
    private static final int[] IDENTITY = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};

    private static LoadedModel model;
    private static int side;
    private static float[] pixels;
    private static int[] labels;
    private static float[] mask;
    private static float[] initialPrompt;
    private static PromptGradient gradients;

    @BeforeAll
    static void setUp() {
        model = EngineFixtures.classifier();
        side = model.descriptor().inputSize();
        pixels = ParityReference.pixelsNhwc(ParityReference.floats("classifier_images"), COUNT, side,
                model.descriptor().mean()[0], model.descriptor().std()[0]);
        labels = ParityReference.ints(ParityReference.longs("classifier_labels"));
        mask = ParityReference.floats("padding_mask");
        initialPrompt = ParityReference.floats("classifier_prompt");
        gradients = new PromptGradient(new PromptedForward(model, PromptPlacement.NORMALIZED,
                new ClassifierLabelHead(IDENTITY)), side, side);
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    @Test
    void paddingMaskIsTheReferences() {
        assertThat(VisualPrompt.of(PromptTemplate.PADDING, 4, side, side).mask()).containsExactly(mask);
    }

    @Test
    void lossAndPromptGradientMatchPyTorch() {
        float expectedLoss = ParityReference.floats("classifier_loss")[0];
        float[] expectedGradient = ParityReference.floats("classifier_prompt_grad");

        try (NDManager run = NDManager.newBaseManager("PyTorch")) {
            PromptGradient.Result result = gradients.compute(run, FloatBuffer.wrap(pixels), labels, COUNT,
                    initialPrompt);
            ParityReference.assertStepMatches("classifier", result, 4, side, expectedLoss, expectedGradient);
        }
    }

    @Test
    void fiveSgdStepsWithWarmUpAndCosineMatchPyTorch() {
        float[] expectedLosses = ParityReference.floats("classifier_losses_5_steps");
        float[] expectedPrompt = ParityReference.floats("classifier_prompt_after_5_steps");
        WarmupCosineSchedule schedule = new WarmupCosineSchedule(40, 2, 5);
        MomentumSgd sgd = new MomentumSgd(initialPrompt.length, 0.9, 0);
        float[] values = initialPrompt.clone();
        float[] losses = fiveSteps(sgd, schedule, values);

        double promptError = ParityReference.normRelativeError(values, expectedPrompt);
        System.out.printf("classifier 5-step SGD parity: losses %s vs %s; prompt norm-relative %.2e, max abs %.2e%n",
                Arrays.toString(losses), Arrays.toString(expectedLosses), promptError,
                ParityReference.maxAbsoluteError(values, expectedPrompt));
        assertThat(ParityReference.normRelativeError(losses, expectedLosses)).isLessThan(1e-4);
        assertThat(promptError).isLessThan(1e-4);
    }

    @ParameterizedTest
    @CsvSource({"classifier_adam, 0.0", "classifier_adam_wd, 0.05"})
    void fiveAdamStepsWithWarmUpAndCosineMatchPyTorch(String reference, double weightDecay) {
        float[] expectedLosses = ParityReference.floats(reference + "_losses_5_steps");
        float[] expectedPrompt = ParityReference.floats(reference + "_prompt_after_5_steps");
        WarmupCosineSchedule schedule = new WarmupCosineSchedule(OptimizerKind.ADAM.defaultLearningRate(), 2, 5);
        PromptOptimizer adam = PromptOptimizer.of(OptimizerKind.ADAM, initialPrompt.length, 0.9, weightDecay);
        float[] values = initialPrompt.clone();
        float[] losses = fiveSteps(adam, schedule, values);

        // Adam moves every learnable pixel by about lr per step whatever its gradient's size, so compare the
        // change from the start too: that is what a wrong update would get wrong.
        float[] change = new float[values.length];
        float[] expectedChange = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            change[i] = values[i] - initialPrompt[i];
            expectedChange[i] = expectedPrompt[i] - initialPrompt[i];
        }
        double promptError = ParityReference.normRelativeError(values, expectedPrompt);
        double changeError = ParityReference.normRelativeError(change, expectedChange);
        System.out.printf("%s 5-step Adam parity: losses %s vs %s; prompt norm-relative %.2e, max abs %.2e; "
                + "change norm-relative %.2e%n", reference, Arrays.toString(losses), Arrays.toString(expectedLosses),
                promptError, ParityReference.maxAbsoluteError(values, expectedPrompt), changeError);
        assertThat(ParityReference.normRelativeError(losses, expectedLosses)).isLessThan(1e-4);
        assertThat(promptError).isLessThan(1e-5);
        assertThat(changeError).isLessThan(1e-3);
    }

    @Test
    void learningRateScheduleMatchesTheReferencesCosineLr() {
        float[] expected = ParityReference.floats("lr_schedule");
        WarmupCosineSchedule schedule = new WarmupCosineSchedule(40, 1000, 5000);

        assertThat(expected).hasSize(5000);
        double worst = 0;
        for (int step = 0; step < expected.length; step++) {
            float rate = (float) schedule.rate(step);
            worst = Math.max(worst, Math.abs(rate - expected[step]) / Math.max(1e-6, Math.abs(expected[step])));
        }
        System.out.printf("lr schedule parity: worst relative error %.2e over 5000 steps%n", worst);
        assertThat(worst).isLessThan(1e-6);
    }

    /** Five training steps from {@code values} (updated in place), as the reference loop runs them; the losses. */
    private float[] fiveSteps(PromptOptimizer optimizer, WarmupCosineSchedule schedule, float[] values) {
        VisualPrompt prompt = VisualPrompt.of(PromptTemplate.PADDING, 4, side, side);
        float[] losses = new float[5];
        try (NDManager run = NDManager.newBaseManager("PyTorch")) {
            for (int step = 0; step < 5; step++) {
                PromptGradient.Result result = gradients.compute(run, FloatBuffer.wrap(pixels), labels, COUNT,
                        values);
                losses[step] = result.loss();
                optimizer.update(values, prompt.storedGradient(result.gradient(), VisualPrompt.Offset.NONE), mask,
                        schedule.rate(step));
            }
        }
        return losses;
    }
}
