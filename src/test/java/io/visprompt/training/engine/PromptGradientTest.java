package io.visprompt.training.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.FloatBuffer;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDManager;
import io.visprompt.model.internal.LoadedModel;

class PromptGradientTest {

    private static final int BATCH = 8;

    private static LoadedModel model;
    private static int side;
    private static PromptGradient gradients;
    private static float[] pixels;
    private static int[] labels;
    private static float[] prompt;

    @BeforeAll
    static void setUp() {
        model = EngineFixtures.classifier();
        side = model.descriptor().inputSize();
        gradients = new PromptGradient(new PromptedForward(model, PromptPlacement.NORMALIZED,
                new ClassifierLabelHead(new int[] {0, 1, 2, 3})), side, side);
        Random random = new Random(3);
        pixels = new float[BATCH * side * side * 3];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextFloat();
        }
        labels = new int[] {0, 1, 2, 3, 3, 2, 1, 0};
        VisualPrompt padding = VisualPrompt.of(PromptTemplate.PADDING, 4, side, side);
        prompt = padding.initialValues(PromptPlacement.NORMALIZED, 0);
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    @Test
    void twoIdenticalStepsGiveTheSameGradientBecauseNothingAccumulates() {
        try (NDManager run = NDManager.newBaseManager("PyTorch")) {
            PromptGradient.Result first = gradients.compute(run, FloatBuffer.wrap(pixels), labels, BATCH, prompt);
            PromptGradient.Result second = gradients.compute(run, FloatBuffer.wrap(pixels), labels, BATCH, prompt);

            assertThat(norm(first.gradient())).isGreaterThan(0);
            assertThat(second.gradient()).containsExactly(first.gradient());
            assertThat(second.loss()).isEqualTo(first.loss());
            assertThat(first.loss()).isBetween(0.1f, 20f);
        }
    }

    @Test
    void nchwInputGivesTheSameLossAndGradientAsTheChannelsLastView() {
        PromptGradient nchw = new PromptGradient(new PromptedForward(model, PromptPlacement.NORMALIZED,
                new ClassifierLabelHead(new int[] {0, 1, 2, 3}), PromptedForward.InputLayout.NCHW), side, side);
        try (NDManager run = NDManager.newBaseManager("PyTorch")) {
            PromptGradient.Result channelsLast = gradients.compute(run, FloatBuffer.wrap(pixels), labels, BATCH, prompt);
            PromptGradient.Result copied = nchw.compute(run, FloatBuffer.wrap(pixels), labels, BATCH, prompt);

            // Same numbers up to float summation order in the convolution kernels of each layout.
            assertThat(copied.loss()).isCloseTo(channelsLast.loss(), within(1e-4f));
            assertThat(copied.correct()).isEqualTo(channelsLast.correct());
            assertThat(ParityReference.normRelativeError(copied.gradient(), channelsLast.gradient())).isLessThan(1e-4);
        }
    }

    @Test
    void liveArrayCountStaysConstantOverManySteps() {
        try (NDManager run = NDManager.newBaseManager("PyTorch")) {
            // The engine's root manager: it sees every array of every manager, the model's included.
            NDManager system = run.getParentManager();
            for (int i = 0; i < 5; i++) {
                gradients.compute(run, FloatBuffer.wrap(pixels), labels, BATCH, prompt);
            }
            int before = system.getManagedArrays().size();

            for (int i = 0; i < 200; i++) {
                gradients.compute(run, FloatBuffer.wrap(pixels), labels, BATCH, prompt);
            }

            assertThat(system.getManagedArrays()).hasSize(before);
            assertThat(run.getManagedArrays()).isEmpty();
        }
    }

    private static double norm(float[] values) {
        double squares = 0;
        for (float v : values) {
            squares += v * v;
        }
        return Math.sqrt(squares);
    }
}
