package io.visprompt.training.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VisualPromptTest {

    @ParameterizedTest(name = "{0} p={1} at {2}x{2} has {3} parameters")
    @CsvSource({
            // padding: 2Cp(H+W-2p)
            "PADDING, 30, 224, 69840",
            "PADDING, 4, 32, 1344",
            "PADDING, 1, 3, 24",
            // patches: Cp^2
            "FIXED_PATCH, 30, 224, 2700",
            "RANDOM_PATCH, 30, 224, 2700",
            "FIXED_PATCH, 8, 32, 192"})
    void parameterCountMatchesThePapersFormula(PromptTemplate template, int size, int side, int expected) {
        VisualPrompt prompt = VisualPrompt.of(template, size, side, side);

        assertThat(prompt.parameterCount()).isEqualTo(expected);
        int formula = template == PromptTemplate.PADDING ? 2 * 3 * size * (side + side - 2 * size) : 3 * size * size;
        assertThat(prompt.parameterCount()).isEqualTo(formula);
    }

    @Test
    void paddingMaskCoversTheBorderStripsOnly() {
        float[] mask = VisualPrompt.of(PromptTemplate.PADDING, 2, 8, 8).mask();

        assertThat(mask[index(0, 0, 0, 8)]).isEqualTo(1f);
        assertThat(mask[index(1, 7, 3, 8)]).isEqualTo(1f);
        assertThat(mask[index(2, 3, 6, 8)]).isEqualTo(1f);
        assertThat(mask[index(0, 2, 2, 8)]).isZero();
        assertThat(mask[index(2, 5, 5, 8)]).isZero();
    }

    @Test
    void initialValuesAreSeededStandardNormalOnTheMaskForNormalizedPlacement() {
        VisualPrompt prompt = VisualPrompt.of(PromptTemplate.PADDING, 30, 224, 224);
        float[] values = prompt.initialValues(PromptPlacement.NORMALIZED, 7);
        float[] mask = prompt.mask();

        double sum = 0;
        double squares = 0;
        for (int i = 0; i < values.length; i++) {
            if (mask[i] == 0f) {
                assertThat(values[i]).isZero();
            }
            sum += values[i];
            squares += values[i] * values[i];
        }
        int n = prompt.parameterCount();
        assertThat(sum / n).isCloseTo(0.0, within(0.01));
        assertThat(squares / n).isCloseTo(1.0, within(0.02));
        assertThat(prompt.initialValues(PromptPlacement.NORMALIZED, 7)).containsExactly(values);
        assertThat(prompt.initialValues(PromptPlacement.NORMALIZED, 8)).isNotEqualTo(values);
    }

    @Test
    void pixelSpacePromptStartsAtZero() {
        float[] values = VisualPrompt.of(PromptTemplate.PADDING, 30, 224, 224)
                .initialValues(PromptPlacement.PIXEL_SHRINK, 7);

        assertThat(values).containsOnly(0f);
    }

    @Test
    void randomPatchMovesDuringTrainingAndItsGradientReturnsToTheStoredCorner() {
        VisualPrompt prompt = VisualPrompt.of(PromptTemplate.RANDOM_PATCH, 2, 6, 6);
        float[] values = new float[3 * 6 * 6];
        values[index(1, 0, 1, 6)] = 5f;
        VisualPrompt.Offset offset = new VisualPrompt.Offset(3, 4);

        float[] placed = prompt.placed(values, offset);
        assertThat(placed[index(1, 3, 5, 6)]).isEqualTo(5f);
        assertThat(placed[index(1, 0, 1, 6)]).isZero();

        float[] placedGradient = new float[placed.length];
        placedGradient[index(2, 4, 4, 6)] = 3f; // inside the placed patch -> stored (1, 0)
        placedGradient[index(2, 0, 0, 6)] = 9f; // outside the patch -> dropped
        float[] stored = prompt.storedGradient(placedGradient, offset);
        assertThat(stored[index(2, 1, 0, 6)]).isEqualTo(3f);
        float sum = 0;
        for (float v : stored) {
            sum += v;
        }
        assertThat(sum).as("only the patch gradient survives").isEqualTo(3f);
    }

    @Test
    void randomPatchVisitsEveryLocationAndFixedPromptsNeverMove() {
        VisualPrompt random = VisualPrompt.of(PromptTemplate.RANDOM_PATCH, 2, 4, 4);
        SplittableRandom rng = new SplittableRandom(1);
        Set<VisualPrompt.Offset> seen = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            seen.add(random.trainingOffset(rng));
        }
        assertThat(seen).hasSize(9); // (4-2+1)^2 positions
        assertThat(VisualPrompt.of(PromptTemplate.FIXED_PATCH, 2, 4, 4).trainingOffset(rng))
                .isEqualTo(VisualPrompt.Offset.NONE);
        assertThat(VisualPrompt.of(PromptTemplate.PADDING, 1, 4, 4).trainingOffset(rng))
                .isEqualTo(VisualPrompt.Offset.NONE);
    }

    @Test
    void promptsThatDoNotFitAreRejected() {
        assertThatThrownBy(() -> VisualPrompt.of(PromptTemplate.PADDING, 16, 32, 32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2p < side");
        assertThatThrownBy(() -> VisualPrompt.of(PromptTemplate.FIXED_PATCH, 33, 32, 32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not fit");
        assertThatThrownBy(() -> VisualPrompt.of(PromptTemplate.RANDOM_PATCH, 0, 32, 32))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static int index(int channel, int y, int x, int side) {
        return (channel * side + y) * side + x;
    }
}
