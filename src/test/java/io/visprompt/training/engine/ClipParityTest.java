package io.visprompt.training.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.FloatBuffer;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDManager;
import io.visprompt.model.internal.LoadedModel;

/** The engine's CLIP head and training step against PyTorch on the same TorchScript encoders. */
class ClipParityTest {

    private static final int COUNT = 8;
    private static final List<String> DIGITS = List.of("zero", "one", "two", "three", "four", "five", "six", "seven",
            "eight", "nine");
    private static final String TEMPLATE = "This is a photo of a {}.";

    private static LoadedModel model;

    @BeforeAll
    static void setUp() {
        model = EngineFixtures.clip();
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    @Test
    void textFeaturesOfTheHeadMatchPyTorch() {
        float[] expected = ParityReference.floats("clip_text_features");
        try (NDManager run = NDManager.newBaseManager("PyTorch");
                ClipTextHead head = ClipTextHead.encode(model, run, DIGITS, List.of(TEMPLATE))) {
            float[] features = head.textFeatures(run).toFloatArray();

            assertThat(ParityReference.normRelativeError(features, expected)).isLessThan(1e-5);
        }
    }

    @Test
    void lossAndPromptGradientMatchPyTorch() {
        int side = model.descriptor().inputSize();
        float[] pixels = ParityReference.pixelsNhwc(ParityReference.floats("clip_images"), COUNT, side,
                model.descriptor().mean()[0], model.descriptor().std()[0]);
        int[] labels = ParityReference.ints(ParityReference.longs("clip_labels"));
        float[] prompt = ParityReference.floats("clip_prompt");
        float expectedLoss = ParityReference.floats("clip_loss")[0];
        float[] expectedGradient = ParityReference.floats("clip_prompt_grad");

        try (NDManager run = NDManager.newBaseManager("PyTorch");
                ClipTextHead head = ClipTextHead.encode(model, run, DIGITS, List.of(TEMPLATE))) {
            PromptGradient gradients = new PromptGradient(new PromptedForward(model, PromptPlacement.NORMALIZED, head),
                    side, side);
            PromptGradient.Result result = gradients.compute(run, FloatBuffer.wrap(pixels), labels, COUNT, prompt);
            ParityReference.assertStepMatches("clip", result, 4, side, expectedLoss, expectedGradient);
        }
    }
}
