package io.visprompt.training.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.visprompt.model.internal.LoadedModel;

class PromptTrainerTest {

    /** 4 classes x 6 images at batch 8: 3 steps per epoch. */
    private static final int STEPS_PER_EPOCH = 3;

    @TempDir
    static Path images;

    private static LoadedModel model;
    private static TrainingData data;

    @BeforeAll
    static void setUp() {
        model = EngineFixtures.classifier();
        data = new TrainingData(List.of("a", "b", "c", "d"), SyntheticImages.write(images, "train", 4, 6, 40, 1),
                SyntheticImages.write(images, "val", 4, 3, 40, 2), SyntheticImages.write(images, "test", 4, 3, 40, 3));
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    private static TrainingSettings settings(PromptTemplate template, LabelMapping mapping, int epochs) {
        return EngineFixtures.settings(template, 4, PromptPlacement.NORMALIZED, mapping, epochs, 8, 5.0, 2,
                OptimizerKind.SGD, 11, 0);
    }

    @Test
    void resumingFromTheFirstEpochsCheckpointEndsWithTheSamePromptBitForBit() {
        TrainingSettings settings = settings(PromptTemplate.PADDING, LabelMapping.ITERATIVE, 2);
        Recorder straight = new Recorder();
        TrainingOutcome expected = new PromptTrainer(model, settings).train(data, straight, null);
        TrainingCheckpoint afterFirstEpoch = straight.checkpoints.get(0);
        assertThat(afterFirstEpoch.completedEpochs()).isEqualTo(1);
        assertThat(afterFirstEpoch.step()).isEqualTo(STEPS_PER_EPOCH);

        Recorder resumed = new Recorder();
        TrainingOutcome actual = new PromptTrainer(model, settings).train(data, resumed, afterFirstEpoch);

        assertSameOutcome(actual, expected);
        assertThat(resumed.progress).hasSize(STEPS_PER_EPOCH);
        assertThat(resumed.progress.get(0).step()).isEqualTo(STEPS_PER_EPOCH + 1);
        assertThat(resumed.epochs).extracting(EpochMetrics::epoch).containsExactly(2);
        assertThat(resumed.epochs.get(0).trainLoss()).isEqualTo(straight.epochs.get(1).trainLoss());
    }

    @Test
    void suspendingInsideAnEpochWritesACheckpointFromWhichTheRunContinuesExactly() {
        TrainingSettings settings = settings(PromptTemplate.RANDOM_PATCH, LabelMapping.FREQUENCY, 2);
        TrainingOutcome expected = new PromptTrainer(model, settings).train(data, new Recorder(), null);

        Recorder suspended = new Recorder() {
            @Override
            public Control onProgress(TrainingProgress progress) {
                super.onProgress(progress);
                return progress.step() == 4 ? Control.SUSPEND : Control.CONTINUE;
            }
        };
        assertThatThrownBy(() -> new PromptTrainer(model, settings).train(data, suspended, null))
                .isInstanceOf(TrainingSuspended.class).hasMessageContaining("step 4");
        TrainingCheckpoint checkpoint = suspended.checkpoints.get(suspended.checkpoints.size() - 1);
        assertThat(checkpoint.step()).isEqualTo(4);
        assertThat(checkpoint.completedEpochs()).isEqualTo(1);

        TrainingOutcome resumed = new PromptTrainer(model, settings).train(data, new Recorder(), checkpoint);

        assertSameOutcome(resumed, expected);
    }

    @Test
    void anAdamRunSuspendedMidEpochContinuesExactlyFromItsMomentsAndStepCount() {
        TrainingSettings settings = EngineFixtures.settings(PromptTemplate.PADDING, 4, PromptPlacement.NORMALIZED,
                LabelMapping.IDENTITY, 2, 8, OptimizerKind.ADAM.defaultLearningRate(), 2, OptimizerKind.ADAM, 11, 0);
        TrainingOutcome expected = new PromptTrainer(model, settings).train(data, new Recorder(), null);

        Recorder suspended = new Recorder() {
            @Override
            public Control onProgress(TrainingProgress progress) {
                super.onProgress(progress);
                return progress.step() == 5 ? Control.SUSPEND : Control.CONTINUE;
            }
        };
        assertThatThrownBy(() -> new PromptTrainer(model, settings).train(data, suspended, null))
                .isInstanceOf(TrainingSuspended.class);
        TrainingCheckpoint checkpoint = suspended.checkpoints.get(suspended.checkpoints.size() - 1);
        assertThat(checkpoint.step()).isEqualTo(5);

        TrainingOutcome resumed = new PromptTrainer(model, settings).train(data, new Recorder(), checkpoint);

        assertSameOutcome(resumed, expected);
    }

    @Test
    void checkpointsComeEveryNStepsAndAtEachEpochEnd() {
        TrainingSettings settings = EngineFixtures.settings(PromptTemplate.FIXED_PATCH, 4, PromptPlacement.NORMALIZED,
                LabelMapping.IDENTITY, 2, 8, 5.0, 2, OptimizerKind.SGD, 11, 2);
        Recorder recorder = new Recorder();

        new PromptTrainer(model, settings).train(data, recorder, null);

        // steps 1..6; every 2nd step (skipping epoch ends, which checkpoint anyway): 2, 4, then epoch ends 3 and 6
        assertThat(recorder.checkpoints).extracting(TrainingCheckpoint::step).containsExactly(2L, 3L, 4L, 6L);
        assertThat(recorder.checkpoints).extracting(TrainingCheckpoint::completedEpochs).containsExactly(0, 1, 1, 2);
    }

    @Test
    void cancellingStopsAfterTheCurrentStepWithoutAResult() {
        Recorder cancelling = new Recorder() {
            @Override
            public Control onProgress(TrainingProgress progress) {
                super.onProgress(progress);
                return Control.CANCEL;
            }
        };

        assertThatThrownBy(() -> new PromptTrainer(model, settings(PromptTemplate.PADDING, LabelMapping.IDENTITY, 3))
                .train(data, cancelling, null)).isInstanceOf(TrainingCancelled.class);
        assertThat(cancelling.progress).hasSize(1);
        assertThat(cancelling.epochs).isEmpty();
    }

    @Test
    void reportsPhasesProgressAndOneMetricsRecordPerEpoch() {
        Recorder recorder = new Recorder();

        TrainingOutcome outcome = new PromptTrainer(model, settings(PromptTemplate.PADDING, LabelMapping.IDENTITY, 2))
                .train(data, recorder, null);

        assertThat(recorder.phases).startsWith(PromptTrainer.PHASE_LOADING_DATA, PromptTrainer.PHASE_TRAINING,
                PromptTrainer.PHASE_EVALUATING, PromptTrainer.PHASE_TRAINING).endsWith(PromptTrainer.PHASE_EVALUATING);
        assertThat(recorder.progress).extracting(TrainingProgress::step).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(recorder.progress).allSatisfy(p -> assertThat(p.totalSteps()).isEqualTo(6));
        assertThat(recorder.progress.get(0).learningRate()).isEqualTo(2.5); // warm-up: 5 * 1/2
        assertThat(recorder.epochs).extracting(EpochMetrics::epoch).containsExactly(1, 2);
        assertThat(recorder.epochs).allSatisfy(m -> {
            assertThat(m.trainLoss()).isPositive();
            assertThat(m.validationAccuracy()).isBetween(0.0, 1.0);
            assertThat(m.imagesPerSecond()).isPositive();
        });
        double bestValidation = recorder.epochs.stream().mapToDouble(EpochMetrics::validationAccuracy).max()
                .orElseThrow();
        assertThat(outcome.bestValidationAccuracy()).isEqualTo(bestValidation);
        assertThat(recorder.epochs.get(outcome.bestEpoch() - 1).validationAccuracy()).isEqualTo(bestValidation);
        assertThat(outcome.labelMapping()).containsExactly(0, 1, 2, 3);
        assertThat(outcome.testExamples()).isEqualTo(12);
        assertThat(outcome.prompt().template()).isEqualTo(PromptTemplate.PADDING);
        assertThat(outcome.prompt().values()).hasSize(3 * 32 * 32);
    }

    @Test
    void servingThroughPromptedClassifierReproducesTheReportedTestAccuracy() throws IOException {
        TrainingOutcome outcome = new PromptTrainer(model, settings(PromptTemplate.PADDING, LabelMapping.FREQUENCY, 1))
                .train(data, new Recorder(), null);

        try (PromptedClassifier prompted = new PromptedClassifier(model, outcome.prompt(), data.classNames(),
                outcome.labelMapping(), List.of());
                PromptedClassifier unprompted = new PromptedClassifier(model, null, data.classNames(),
                        outcome.labelMapping(), List.of())) {
            assertThat(ServedAccuracy.of(prompted, data.test())).isEqualTo(outcome.promptedTestAccuracy());
            assertThat(ServedAccuracy.of(unprompted, data.test())).isEqualTo(outcome.zeroShotTestAccuracy());
        }
    }

    @Test
    void trainingLeavesEveryWeightUnchangedAndWithoutGradient() {
        List<NDArray> weights = model.weights();
        List<float[]> before = weights.stream().map(NDArray::toFloatArray).toList();

        new PromptTrainer(model, settings(PromptTemplate.PADDING, LabelMapping.IDENTITY, 1)).train(data,
                new Recorder(), null);

        for (int i = 0; i < weights.size(); i++) {
            NDArray weight = weights.get(i);
            assertThat(weight.hasGradient()).isFalse();
            assertThat(JniUtils.getGradient((PtNDArray) weight)).isNull();
            assertThat(weight.toFloatArray()).containsExactly(before.get(i));
        }
    }

    @Test
    void moreTaskClassesThanTheClassifierHasIsRejectedBeforeTraining() {
        List<String> eleven = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10");
        TrainingData tooMany = new TrainingData(eleven, data.train(), data.validation(), data.test());

        assertThatThrownBy(() -> new PromptTrainer(model, settings(PromptTemplate.PADDING, LabelMapping.FREQUENCY, 1))
                .train(tooMany, new Recorder(), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("10 source classes").hasMessageContaining("11 classes");
    }

    @Test
    void aCheckpointOfADifferentRunIsRejected() {
        Recorder recorder = new Recorder();
        new PromptTrainer(model, settings(PromptTemplate.PADDING, LabelMapping.IDENTITY, 1)).train(data, recorder,
                null);
        TrainingCheckpoint checkpoint = recorder.checkpoints.get(0);

        assertThatThrownBy(() -> new PromptTrainer(model, settings(PromptTemplate.FIXED_PATCH, LabelMapping.IDENTITY,
                1)).train(data, new Recorder(), checkpoint))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("different run");
    }

    @Test
    void promptsThatDoNotFitTheModelAreRejectedWhenTheTrainerIsMade() {
        TrainingSettings tooWide = EngineFixtures.settings(PromptTemplate.PADDING, 16, PromptPlacement.NORMALIZED,
                LabelMapping.IDENTITY, 1, 8, 1, 0, OptimizerKind.SGD, 0, 0);

        assertThatThrownBy(() -> new PromptTrainer(model, tooWide)).isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertSameOutcome(TrainingOutcome actual, TrainingOutcome expected) {
        assertThat(bits(actual.prompt().values())).isEqualTo(bits(expected.prompt().values()));
        assertThat(actual.labelMapping()).containsExactly(expected.labelMapping());
        assertThat(actual.bestEpoch()).isEqualTo(expected.bestEpoch());
        assertThat(actual.bestValidationAccuracy()).isEqualTo(expected.bestValidationAccuracy());
        assertThat(actual.promptedTestAccuracy()).isEqualTo(expected.promptedTestAccuracy());
        assertThat(actual.zeroShotTestAccuracy()).isEqualTo(expected.zeroShotTestAccuracy());
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }

    static class Recorder implements TrainingListener {
        final List<String> phases = new ArrayList<>();
        final List<TrainingProgress> progress = new ArrayList<>();
        final List<EpochMetrics> epochs = new ArrayList<>();
        final List<TrainingCheckpoint> checkpoints = new ArrayList<>();
        final AtomicReference<String> lastEvent = new AtomicReference<>();

        @Override
        public void onPhase(String phase) {
            phases.add(phase);
        }

        @Override
        public void onEvent(String type, String message) {
            lastEvent.set(type + ": " + message);
        }

        @Override
        public Control onProgress(TrainingProgress p) {
            progress.add(p);
            return Control.CONTINUE;
        }

        @Override
        public void onEpoch(EpochMetrics metrics) {
            epochs.add(metrics);
        }

        @Override
        public void onCheckpoint(TrainingCheckpoint checkpoint) {
            checkpoints.add(checkpoint);
        }
    }
}
