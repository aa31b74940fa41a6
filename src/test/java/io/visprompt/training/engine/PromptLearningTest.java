package io.visprompt.training.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.visprompt.model.internal.LoadedModel;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Visual prompting has to work, not just run: on fashion-border (Fashion-MNIST whose outer pixels carry an adversarial
 * frame that makes the frozen fashion-cnn answer "bag" for everything) the unprompted model is at chance, and a 4 px
 * padding prompt learns to undo the frame. Hyperparameters and the PyTorch reference accuracies come from
 * {@code fixtures/expected.json}.
 */
class PromptLearningTest {

    private static final double CHANCE = 0.1;

    @TempDir
    Path directory;

    @Test
    void aPaddingPromptLiftsTheFrozenClassifierFromChanceToTheReferenceAccuracy() throws IOException {
        JsonNode reference = JsonMapper.builder().build()
                .readTree(Files.readString(Path.of("src/test/resources/fixtures/expected.json")))
                .path("fashion_border");
        JsonNode hyperparameters = reference.path("hyperparameters");
        double referenceUnprompted = reference.path("no_prompt").path("test_accuracy").asDouble();
        double referencePromptedMin = reference.path("prompted").path("test_accuracy_min").asDouble();
        TrainingData data = ImageFolderZip.unpack(Path.of("src/test/resources/fixtures/data/fashion-border.zip"),
                directory);
        TrainingSettings settings = new TrainingSettings(PromptTemplate.PADDING, 4, PromptPlacement.NORMALIZED,
                LabelMapping.BY_NAME, List.of(), hyperparameters.path("epochs").asInt(),
                hyperparameters.path("batch").asInt(), hyperparameters.path("lr").asDouble(), 0.9, 0.0,
                hyperparameters.path("warmup").asInt(), OptimizerKind.SGD, 0, 0);
        List<EpochMetrics> epochs = new ArrayList<>();

        long started = System.nanoTime();
        TrainingOutcome outcome;
        try (LoadedModel model = EngineFixtures.classifier()) {
            outcome = new PromptTrainer(model, settings).train(data, new TrainingListener() {
                @Override
                public void onEpoch(EpochMetrics metrics) {
                    epochs.add(metrics);
                }
            }, null);
        }
        double seconds = (System.nanoTime() - started) / 1e9;

        System.out.printf("fashion-border: %d train / %d val / %d test images, %d epochs in %.1f s; test accuracy "
                + "without prompt %.4f (PyTorch %.4f), with prompt %.4f (PyTorch min over seeds %.4f, mean %.4f); "
                + "best validation %.4f at epoch %d%n", data.train().size(), data.validation().size(),
                data.test().size(), epochs.size(), seconds, outcome.zeroShotTestAccuracy(), referenceUnprompted,
                outcome.promptedTestAccuracy(), referencePromptedMin,
                reference.path("prompted").path("test_accuracy_mean").asDouble(), outcome.bestValidationAccuracy(),
                outcome.bestEpoch());
        epochs.forEach(m -> System.out.printf("  epoch %2d: loss %.4f, train %.3f, val %.3f, %.0f images/s%n",
                m.epoch(), m.trainLoss(), m.trainAccuracy(), m.validationAccuracy(), m.imagesPerSecond()));

        assertThat(outcome.labelMapping()).containsExactly(
                reference.path("mapping_target_to_source").valueStream().mapToInt(JsonNode::asInt).toArray());
        assertThat(outcome.zeroShotTestAccuracy()).isCloseTo(referenceUnprompted, within(0.05))
                .isLessThan(CHANCE + 0.1);
        assertThat(outcome.promptedTestAccuracy()).isGreaterThan(CHANCE + 0.4)
                .isGreaterThanOrEqualTo(referencePromptedMin - 0.08);
        assertThat(seconds).as("well under a minute on 2 cores").isLessThan(60);
    }
}
