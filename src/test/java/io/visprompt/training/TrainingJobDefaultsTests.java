package io.visprompt.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.visprompt.dataset.DatasetSummary;
import io.visprompt.dataset.Split;
import io.visprompt.model.ModelDescriptor;
import io.visprompt.model.ModelKind;
import org.junit.jupiter.api.Test;

/** The defaults that depend on the job: learning rate per optimizer, warm-up capped to a share of the steps. */
class TrainingJobDefaultsTests {

    private static final ModelDescriptor CLASSIFIER = new ModelDescriptor("fashion-cnn", ModelKind.CLASSIFIER, "test",
            32, 32, new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f},
            List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), List.of(), "");

    /** 632 training images at batch 8: 79 steps per epoch, as a 3-epoch job of 237 steps in the issue. */
    private static final DatasetSummary DATASET = new DatasetSummary(UUID.randomUUID(), "digits",
            List.of("a", "b", "c"), Map.of(Split.TRAIN, 632, Split.VAL, 60, Split.TEST, 90));

    private static TrainingJobSpec.Hyperparameters resolve(Integer epochs, Double learningRate, Integer warmupSteps,
            String optimizer) {
        TrainingJobRequest request = new TrainingJobRequest(DATASET.id(), "fashion-cnn", null, null,
                new TrainingJobRequest.HyperparameterOptions(epochs, 8, learningRate, null, null, warmupSteps,
                        optimizer, null, null), null);
        return TrainingJobDefaults.resolve(request, CLASSIFIER, DATASET, 1000).hyperparameters();
    }

    @Test
    void aShortJobWithoutAWarmUpWarmsUpForATenthOfItsSteps() {
        TrainingJobSpec.Hyperparameters hp = resolve(3, null, null, null);

        assertThat(hp.warmupSteps()).as("floor(237 / 10)").isEqualTo(23);
        assertThat(TrainingJobDefaults.warmupWarning(hp, 237)).isEmpty();
    }

    @Test
    void aLongJobWithoutAWarmUpKeepsThePapers1000Steps() {
        assertThat(resolve(1000, null, null, null).warmupSteps()).as("79,000 steps").isEqualTo(1000);
        assertThat(TrainingJobDefaults.defaultWarmupSteps(10_000)).isEqualTo(1000);
        assertThat(TrainingJobDefaults.defaultWarmupSteps(9_999)).isEqualTo(999);
        assertThat(TrainingJobDefaults.defaultWarmupSteps(9)).isZero();
    }

    @Test
    void aGivenWarmUpIsKeptEvenWhenItIsLongerThanTheJob() {
        assertThat(resolve(3, null, 1000, null).warmupSteps()).isEqualTo(1000);
        assertThat(resolve(3, null, 0, null).warmupSteps()).isZero();
    }

    @Test
    void aWarmUpOverHalfTheStepsIsWarnedAboutWithTheLearningRateItReaches() {
        TrainingJobSpec.Hyperparameters hp = resolve(3, null, 1000, null);

        assertThat(TrainingJobDefaults.warmupWarning(hp, 237)).hasValueSatisfying(message -> assertThat(message)
                .contains("warmup_steps 1000 is 422% of the job's 237 steps")
                .contains("climbs to 9.48 of 40 and never decays").contains("leave it unset for 23"));
        assertThat(TrainingJobDefaults.warmupWarning(resolve(3, null, 200, null), 237)).hasValueSatisfying(
                message -> assertThat(message).contains("only 37 steps are left for the cosine decay"));
        assertThat(TrainingJobDefaults.warmupWarning(resolve(3, null, 118, null), 237)).as("118 <= 118.5").isEmpty();
        assertThat(TrainingJobDefaults.warmupWarning(resolve(3, null, 119, null), 237)).isPresent();
    }

    @Test
    void eachOptimizerGetsItsOwnDefaultLearningRate() {
        assertThat(resolve(3, null, null, null).learningRate()).isEqualTo(40.0);
        assertThat(resolve(3, null, null, "sgd").learningRate()).isEqualTo(40.0);
        assertThat(resolve(3, null, null, "normalized_sgd").learningRate()).isEqualTo(3.0);
        assertThat(resolve(3, null, null, "ADAM").learningRate()).isEqualTo(0.01);
        assertThat(resolve(3, 0.5, null, "adam").learningRate()).as("a given rate wins").isEqualTo(0.5);
        assertThat(resolve(3, null, null, "adam").optimizer()).isEqualTo("adam");
    }
}
