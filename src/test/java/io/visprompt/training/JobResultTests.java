package io.visprompt.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import java.util.UUID;

import io.visprompt.training.engine.PromptPlacement;
import io.visprompt.training.engine.PromptTemplate;
import io.visprompt.training.engine.PromptTensor;
import io.visprompt.training.engine.TrainingOutcome;
import org.junit.jupiter.api.Test;

/** The names a finished job's result gives its accuracies, with a learned label mapping (the ILM case). */
class JobResultTests {

    private static final PromptTensor PROMPT = new PromptTensor(PromptTemplate.PADDING, 1, PromptPlacement.NORMALIZED,
            4, 4, new float[3 * 4 * 4], new float[3 * 4 * 4]);

    @Test
    void aLearnedMappingIsReportedAgainstTheBareModelAndAgainstTheMappingAlone() {
        // the figures: identity 10.0 %, mapping alone 22.0 %, prompted 79.7 %
        TrainingOutcome outcome = new TrainingOutcome(PROMPT, new int[] {5, 0, 8}, 0.8, 7, 0.100, 0.220, 0.797, 300);

        Map<String, Object> result = JobExecution.resultOf(UUID.randomUUID(), outcome);

        assertThat(result).containsEntry("baseline_test_accuracy", 0.100)
                .containsEntry("mapping_only_test_accuracy", 0.220).containsEntry("prompted_test_accuracy", 0.797)
                .containsEntry("zero_shot_test_accuracy", 0.220).containsEntry("test_examples", 300);
        assertThat((Double) result.get("gain_over_baseline")).isCloseTo(0.697, within(1e-9));
        assertThat((Double) result.get("gain_over_mapping_only")).isCloseTo(0.577, within(1e-9));
        assertThat((Double) result.get("test_accuracy_gain")).as("kept: the gain over the mapping alone")
                .isCloseTo(0.577, within(1e-9));
    }

    @Test
    void withoutATestSplitEveryAccuracyAndGainIsNull() {
        TrainingOutcome outcome = new TrainingOutcome(PROMPT, new int[] {0}, Double.NaN, 1, Double.NaN, Double.NaN,
                Double.NaN, 0);

        Map<String, Object> result = JobExecution.resultOf(UUID.randomUUID(), outcome);

        assertThat(result).containsEntry("baseline_test_accuracy", null).containsEntry("gain_over_baseline", null)
                .containsEntry("gain_over_mapping_only", null).containsEntry("prompted_test_accuracy", null);
    }
}
