package io.visprompt.training.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.visprompt.model.internal.LoadedModel;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reprogramming models trained on Fashion-MNIST to read handwritten digits (mnist-small), against the PyTorch
 * reference runs in {@code fixtures/expected.json}: the tiny CLIP with a learned padding prompt, and the frequency
 * label mapping of the classifier. The 20-epoch run takes about 20 s on 2 cores, so this runs in the integration-test
 * phase of {@code ./mvnw verify} (Failsafe), not with the unit tests.
 */
class ReprogrammingIT {

    @TempDir
    static Path directory;

    private static TrainingData digits;
    private static JsonNode expected;

    @BeforeAll
    static void setUp() throws IOException {
        digits = ImageFolderZip.unpack(Path.of("src/test/resources/fixtures/data/mnist-small.zip"), directory);
        expected = JsonMapper.builder().build()
                .readTree(Files.readString(Path.of("src/test/resources/fixtures/expected.json")));
    }

    @Test
    void aPaddingPromptTeachesTheTinyClipToReadDigits() {
        JsonNode reference = expected.path("clip_mnist");
        JsonNode hyperparameters = reference.path("hyperparameters");
        TrainingSettings settings = new TrainingSettings(PromptTemplate.PADDING, 4, PromptPlacement.NORMALIZED,
                LabelMapping.IDENTITY, List.of(), hyperparameters.path("epochs").asInt(),
                hyperparameters.path("batch").asInt(), hyperparameters.path("lr").asDouble(), 0.9, 0.0,
                hyperparameters.path("warmup").asInt(), OptimizerKind.SGD, 0, 0);
        List<EpochMetrics> epochs = new ArrayList<>();

        long started = System.nanoTime();
        TrainingOutcome outcome;
        try (LoadedModel clip = EngineFixtures.clip()) {
            outcome = new PromptTrainer(clip, settings).train(digits, new TrainingListener() {
                @Override
                public void onEpoch(EpochMetrics metrics) {
                    epochs.add(metrics);
                }
            }, null);
        }
        double seconds = (System.nanoTime() - started) / 1e9;

        double referenceZeroShot = reference.path("zero_shot").path("test_accuracy").asDouble();
        double referencePromptedMin = reference.path("prompted").path("test_accuracy_min").asDouble();
        System.out.printf("mnist-small on tiny-clip: %d epochs in %.1f s; test accuracy zero-shot %.4f (PyTorch %.4f), "
                + "prompted %.4f (PyTorch min over seeds %.4f, mean %.4f)%n", epochs.size(), seconds,
                outcome.zeroShotTestAccuracy(), referenceZeroShot, outcome.promptedTestAccuracy(),
                referencePromptedMin, reference.path("prompted").path("test_accuracy_mean").asDouble());
        assertThat(outcome.zeroShotTestAccuracy()).isCloseTo(referenceZeroShot, within(0.03));
        assertThat(outcome.promptedTestAccuracy()).isGreaterThan(outcome.zeroShotTestAccuracy() + 0.25)
                .isGreaterThanOrEqualTo(referencePromptedMin - 0.08);
    }

    @Test
    void frequencyMappingOfTheUnpromptedClassifierIsTheReferences() {
        JsonNode reference = expected.path("mnist_reprogramming").path("ilm").path("no_prompt");
        int[] referenceMapping = reference.path("mapping_target_to_source").valueStream().mapToInt(JsonNode::asInt)
                .toArray();
        TrainingSettings oneStep = new TrainingSettings(PromptTemplate.PADDING, 4, PromptPlacement.NORMALIZED,
                LabelMapping.FREQUENCY, List.of(), 1, 600, 1e-9, 0.9, 0.0, 0, OptimizerKind.SGD, 0, 0);
        TrainingData noValidation = new TrainingData(digits.classNames(), digits.train(), List.of(), digits.test());

        TrainingOutcome outcome;
        try (LoadedModel classifier = EngineFixtures.classifier()) {
            outcome = new PromptTrainer(classifier, oneStep).train(noValidation, new TrainingListener() {
            }, null);
        }

        System.out.printf("mnist-small frequency mapping %s (PyTorch %s); unprompted test accuracy %.4f (PyTorch "
                + "%.4f)%n", Arrays.toString(outcome.labelMapping()),
                Arrays.toString(referenceMapping), outcome.zeroShotTestAccuracy(),
                reference.path("test_accuracy").asDouble());
        assertThat(outcome.labelMapping()).containsExactly(referenceMapping);
        assertThat(outcome.zeroShotTestAccuracy()).isCloseTo(reference.path("test_accuracy").asDouble(), within(0.02));
    }

    /**
     * The case: a Fashion-MNIST classifier on digits, where target i (folders in sorted order: eight, five,
     * ...) is not source i. The bare model (identity mapping) and the unprompted model under the learned mapping are
     * two different baselines, each checked against the serving path and the PyTorch reference.
     */
    @Test
    void aLearnedMappingReportsTheBareModelAndTheMappingAloneAsTwoBaselines() throws IOException {
        JsonNode reference = expected.path("mnist_reprogramming");
        TrainingSettings settings = new TrainingSettings(PromptTemplate.PADDING, 4, PromptPlacement.NORMALIZED,
                LabelMapping.ITERATIVE, List.of(), 10, 32, 10.0, 0.9, 0.0, 20, OptimizerKind.SGD, 0, 0);
        int[] identity = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};

        try (LoadedModel classifier = EngineFixtures.classifier()) {
            TrainingOutcome outcome = new PromptTrainer(classifier, settings).train(digits, new TrainingListener() {
            }, null);
            double servedBare;
            double servedMappingOnly;
            try (PromptedClassifier bare = new PromptedClassifier(classifier, null, digits.classNames(), identity,
                    List.of());
                    PromptedClassifier mappingOnly = new PromptedClassifier(classifier, null, digits.classNames(),
                            outcome.labelMapping(), List.of())) {
                servedBare = ServedAccuracy.of(bare, digits.test());
                servedMappingOnly = ServedAccuracy.of(mappingOnly, digits.test());
            }

            System.out.printf("mnist-small on fashion-cnn, iterative mapping %s: bare model %.4f (PyTorch identity "
                    + "%.4f), mapping alone %.4f, prompted %.4f%n", Arrays.toString(outcome.labelMapping()),
                    outcome.baselineTestAccuracy(),
                    reference.path("identity").path("no_prompt").path("test_accuracy").asDouble(),
                    outcome.mappingOnlyTestAccuracy(), outcome.promptedTestAccuracy());
            assertThat(outcome.labelMapping()).isNotEqualTo(identity);
            assertThat(outcome.baselineTestAccuracy()).isEqualTo(servedBare)
                    .isCloseTo(reference.path("identity").path("no_prompt").path("test_accuracy").asDouble(),
                            within(0.02));
            assertThat(outcome.mappingOnlyTestAccuracy()).isEqualTo(servedMappingOnly)
                    .isEqualTo(outcome.zeroShotTestAccuracy())
                    .isNotEqualTo(outcome.baselineTestAccuracy());
            assertThat(outcome.promptedTestAccuracy()).isGreaterThan(outcome.baselineTestAccuracy() + 0.1);
        }
    }

    @Test
    void withAFixedMappingTheBareModelIsTheMappingAlone() {
        TrainingSettings settings = new TrainingSettings(PromptTemplate.PADDING, 4, PromptPlacement.NORMALIZED,
                LabelMapping.IDENTITY, List.of(), 1, 600, 1e-9, 0.9, 0.0, 0, OptimizerKind.SGD, 0, 0);
        TrainingData noValidation = new TrainingData(digits.classNames(), digits.train(), List.of(), digits.test());

        TrainingOutcome outcome;
        try (LoadedModel classifier = EngineFixtures.classifier()) {
            outcome = new PromptTrainer(classifier, settings).train(noValidation, new TrainingListener() {
            }, null);
        }

        assertThat(outcome.baselineTestAccuracy()).isEqualTo(outcome.mappingOnlyTestAccuracy())
                .isCloseTo(expected.path("mnist_reprogramming").path("identity").path("no_prompt")
                        .path("test_accuracy").asDouble(), within(0.02));
    }
}
