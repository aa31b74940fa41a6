package io.visprompt.training.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.ndarray.NDArray;
import io.visprompt.model.internal.LoadedModel;

/** Prompting the tiny CLIP on a slice of mnist-small: the text head, pixel-space prompts and serving parity. */
class ClipPromptTrainingTest {

    @TempDir
    static Path directory;

    private static LoadedModel clip;
    private static TrainingData digits;

    @BeforeAll
    static void setUp() {
        clip = EngineFixtures.clip();
        TrainingData all = ImageFolderZip.unpack(Path.of("src/test/resources/fixtures/data/mnist-small.zip"),
                directory);
        // every 5th image: 120 train, 40 validation, 60 test
        digits = new TrainingData(all.classNames(), everyNth(all.train(), 5), everyNth(all.validation(), 5),
                everyNth(all.test(), 5));
    }

    @AfterAll
    static void tearDown() {
        clip.close();
    }

    @Test
    void trainsAgainstTextFeaturesComputedOnceAndServesWhatItMeasured() throws IOException {
        TrainingSettings settings = new TrainingSettings(PromptTemplate.PADDING, 4, PromptPlacement.NORMALIZED,
                LabelMapping.IDENTITY, List.of("a photo of a {}.", "This is a photo of a {}."), 2, 32, 10, 0.9, 0,
                4, OptimizerKind.SGD, 3, 0);
        List<NDArray> weights = clip.weights();
        List<float[]> before = weights.stream().map(NDArray::toFloatArray).toList();
        PromptTrainerTest.Recorder recorder = new PromptTrainerTest.Recorder();

        TrainingOutcome outcome = new PromptTrainer(clip, settings).train(digits, recorder, null);

        assertThat(recorder.phases).containsSubsequence(PromptTrainer.PHASE_LOADING_DATA,
                PromptTrainer.PHASE_TEXT_FEATURES, PromptTrainer.PHASE_TRAINING, PromptTrainer.PHASE_EVALUATING);
        assertThat(recorder.phases).filteredOn(PromptTrainer.PHASE_TEXT_FEATURES::equals).hasSize(1);
        assertThat(outcome.labelMapping()).isEmpty();
        assertThat(outcome.testExamples()).isEqualTo(60);
        assertThat(recorder.epochs).hasSize(2).allSatisfy(m -> assertThat(m.trainLoss()).isPositive());
        for (int i = 0; i < weights.size(); i++) {
            assertThat(weights.get(i).toFloatArray()).as("weight %d", i).containsExactly(before.get(i));
        }
        try (PromptedClassifier prompted = new PromptedClassifier(clip, outcome.prompt(), digits.classNames(), null,
                settings.textTemplates());
                PromptedClassifier zeroShot = new PromptedClassifier(clip, null, digits.classNames(), null,
                        settings.textTemplates())) {
            assertThat(accuracy(prompted, digits.test())).isEqualTo(outcome.promptedTestAccuracy());
            assertThat(accuracy(zeroShot, digits.test())).isEqualTo(outcome.zeroShotTestAccuracy());
            assertThat(outcome.baselineTestAccuracy()).as("CLIP: no mapping to learn")
                    .isEqualTo(outcome.mappingOnlyTestAccuracy());
        }
    }

    @Test
    void aPixelSpacePromptFramesTheShrunkImageAndStartsFromZero() throws IOException {
        TrainingSettings settings = new TrainingSettings(PromptTemplate.PADDING, 4, PromptPlacement.PIXEL_SHRINK,
                LabelMapping.IDENTITY, List.of(), 1, 32, 1.0, 0, 0, 0, OptimizerKind.NORMALIZED_SGD, 5, 0);
        PromptTrainerTest.Recorder recorder = new PromptTrainerTest.Recorder();

        TrainingOutcome outcome = new PromptTrainer(clip, settings).train(digits, recorder, null);

        PromptTensor prompt = outcome.prompt();
        assertThat(prompt.placement()).isEqualTo(PromptPlacement.PIXEL_SHRINK);
        // normalized SGD from a zero start: after 4 steps of rate 1 the prompt is at most 4 away from zero
        double norm = 0;
        for (float v : prompt.values()) {
            norm += v * v;
        }
        assertThat(Math.sqrt(norm)).isPositive().isLessThanOrEqualTo(4.0 + 1e-3);
        try (PromptedClassifier prompted = new PromptedClassifier(clip, prompt, digits.classNames(), null, null)) {
            BufferedImage image = ImageIO.read(digits.test().get(0).file().toFile());
            float[] framed = prompted.prepare(image);
            int side = prompted.inputSize();
            assertThat(framed).hasSize(side * side * 3);
            // the 4 px frame is zero (the prompt goes there); the image sits inside, shrunk to 24 px
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    if (y < 4 || y >= side - 4 || x < 4 || x >= side - 4) {
                        assertThat(framed[(y * side + x) * 3]).isZero();
                    }
                }
            }
            float[] shrunk = clip.preprocessor().toPixelsHwc(image, side - 8);
            assertThat(framed[((4 + 10) * side + 4 + 12) * 3]).isEqualTo(shrunk[(10 * (side - 8) + 12) * 3]);
            assertThat(accuracy(prompted, digits.test())).isEqualTo(outcome.promptedTestAccuracy());
        }
    }

    private static double accuracy(PromptedClassifier classifier, List<TrainingExample> examples) throws IOException {
        List<float[]> inputs = new ArrayList<>();
        for (TrainingExample example : examples) {
            inputs.add(classifier.prepare(ImageIO.read(example.file().toFile())));
        }
        float[][] probabilities = classifier.probabilities(inputs);
        int correct = 0;
        for (int i = 0; i < probabilities.length; i++) {
            float[] row = probabilities[i];
            int best = IntStream.range(0, row.length).reduce((a, b) -> row[b] > row[a] ? b : a).orElseThrow();
            correct += best == examples.get(i).label() ? 1 : 0;
        }
        return (double) correct / examples.size();
    }

    private static List<TrainingExample> everyNth(List<TrainingExample> examples, int n) {
        return IntStream.range(0, examples.size()).filter(i -> i % n == 0).mapToObj(examples::get).toList();
    }
}
