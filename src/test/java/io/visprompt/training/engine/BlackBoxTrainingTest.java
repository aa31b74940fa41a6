package io.visprompt.training.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.visprompt.model.internal.LoadedModel;

/** Black-box runs in the trainer: the query budget, reported usage, and exact resume from a mid-epoch checkpoint. */
class BlackBoxTrainingTest {

    @TempDir
    static Path images;

    private static LoadedModel model;
    private static TrainingData data;

    @BeforeAll
    static void setUp() {
        model = EngineFixtures.classifier();
        // 24 training images at batch 8: 3 steps per epoch
        data = new TrainingData(List.of("a", "b", "c", "d"), SyntheticImages.write(images, "train", 4, 6, 40, 1),
                SyntheticImages.write(images, "val", 4, 3, 40, 2), SyntheticImages.write(images, "test", 4, 3, 40, 3));
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    private static TrainingSettings settings(OptimizerKind kind, int epochs, int queriesPerStep, long budget) {
        return new TrainingSettings(PromptTemplate.PADDING, 4, PromptPlacement.NORMALIZED, LabelMapping.IDENTITY,
                List.of(), epochs, 8, 0.04, 0.9, 0.0, 1, kind, 11, 0,
                new BlackBoxSettings(queriesPerStep, 0.01, budget));
    }

    @Test
    void theRunStopsAtTheLastStepItsQueryBudgetPaysForAndReportsWhatItSpent() {
        PromptTrainerTest.Recorder recorder = new PromptTrainerTest.Recorder();
        java.util.List<QueryUsage> usage = new java.util.ArrayList<>();
        TrainingListener listener = new PromptTrainerTest.Recorder() {
            @Override
            public Control onProgress(TrainingProgress progress) {
                recorder.onProgress(progress);
                return Control.CONTINUE;
            }

            @Override
            public void onQueries(QueryUsage queries) {
                usage.add(queries);
            }
        };
        // 3 epochs of 3 steps would be 9 steps; 55 queries at 10 a step pay for 5
        TrainingOutcome outcome = new PromptTrainer(model, settings(OptimizerKind.RGF, 3, 10, 55))
                .train(data, listener, null);

        assertThat(recorder.progress).hasSize(5);
        assertThat(recorder.progress.get(4).step()).isEqualTo(5);
        assertThat(recorder.progress.get(4).totalSteps()).isEqualTo(5);
        assertThat(usage).extracting(QueryUsage::queries).containsExactly(10L, 20L, 30L, 40L, 50L);
        assertThat(usage.get(4).plannedQueries()).isEqualTo(50);
        assertThat(usage.get(4).budget()).isEqualTo(55);
        assertThat(usage.get(4).queriesPerSecond()).isPositive();
        assertThat(usage.get(4).etaSeconds()).isZero();
        assertThat(outcome.bestEpoch()).isBetween(1, 2);
        assertThat(outcome.prompt().values()).isNotEqualTo(new float[outcome.prompt().values().length]);
    }

    @Test
    void anSpsaGcRunSuspendedMidEpochContinuesExactlyFromItsVelocityAndDirections() {
        TrainingSettings settings = settings(OptimizerKind.SPSA_GC, 2, 4, 0);
        TrainingOutcome expected = new PromptTrainer(model, settings).train(data, new PromptTrainerTest.Recorder(),
                null);

        PromptTrainerTest.Recorder suspended = new PromptTrainerTest.Recorder() {
            @Override
            public Control onProgress(TrainingProgress progress) {
                super.onProgress(progress);
                return progress.step() == 4 ? Control.SUSPEND : Control.CONTINUE;
            }
        };
        assertThatThrownBy(() -> new PromptTrainer(model, settings).train(data, suspended, null))
                .isInstanceOf(TrainingSuspended.class);
        TrainingCheckpoint checkpoint = suspended.checkpoints.get(suspended.checkpoints.size() - 1);
        assertThat(checkpoint.step()).isEqualTo(4);

        TrainingOutcome resumed = new PromptTrainer(model, settings).train(data, new PromptTrainerTest.Recorder(),
                checkpoint);

        assertThat(resumed.prompt().values()).containsExactly(expected.prompt().values());
        assertThat(resumed.promptedTestAccuracy()).isEqualTo(expected.promptedTestAccuracy());
    }

    @Test
    void settingsTheEstimatorsCannotUseAreRefusedWhenTheTrainerIsMade() {
        assertThatThrownBy(() -> new PromptTrainer(model, settings(OptimizerKind.SPSA_GC, 1, 5, 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("even");
        assertThatThrownBy(() -> new PromptTrainer(model, settings(OptimizerKind.RGF, 1, 10, 5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("budget");
    }
}
