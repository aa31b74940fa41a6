package io.visprompt.training.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The linear probe against scikit-learn's LogisticRegression on the same committed features and C grid. */
class LinearProbeTest {

    static LinearProbe.Split split(JsonNode node) {
        JsonNode rows = node.get("features");
        float[][] features = new float[rows.size()][];
        int[] labels = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            features[i] = new float[rows.get(i).size()];
            for (int j = 0; j < features[i].length; j++) {
                features[i][j] = (float) rows.get(i).get(j).asDouble();
            }
            labels[i] = node.get("labels").get(i).asInt();
        }
        return new LinearProbe.Split(features, labels);
    }

    @Test
    void choosesTheSameL2AsScikitLearnAndScoresWithinOnePointOfItAtEveryStrength() throws IOException {
        JsonNode expected = JsonMapper.builder().build().readTree(Files.readString(
                Path.of("src/test/resources/fixtures/evaluation/probe.json")));
        double[] grid = new double[expected.get("c_grid").size()];
        for (int i = 0; i < grid.length; i++) {
            grid[i] = expected.get("c_grid").get(i).asDouble();
        }

        LinearProbe.Result result = LinearProbe.fit(split(expected.get("train")), split(expected.get("validation")),
                split(expected.get("test")), expected.get("classes").asInt(), grid);

        for (int i = 0; i < grid.length; i++) {
            LinearProbe.Fit fit = result.fits().get(i);
            JsonNode sklearn = expected.get("results").get(i);
            System.out.printf("C=%g: validation %.4f (sklearn %.4f), test %.4f (sklearn %.4f), %d iterations%n",
                    fit.c(), fit.validationAccuracy(), sklearn.get("validation_accuracy").asDouble(),
                    fit.testAccuracy(), sklearn.get("test_accuracy").asDouble(), fit.iterations());
            assertThat(fit.testAccuracy()).as("C=%s", fit.c())
                    .isCloseTo(sklearn.get("test_accuracy").asDouble(), within(0.01));
        }
        assertThat(result.chosen().c()).isEqualTo(expected.get("chosen_c").asDouble());
        assertThat(result.chosen().testAccuracy()).isCloseTo(expected.get("test_accuracy").asDouble(), within(0.01));
    }

    /**
     * A classifier whose model.json names {@code feature_method: "features"}: the probe is fitted on that method's
     * 16-wide output, not the 4 logits, the features equal torch's and the accuracy scikit-learn's within one point.
     */
    @Test
    void aClassifiersNamedFeatureMethodIsWhatTheProbeIsFittedOn(@org.junit.jupiter.api.io.TempDir Path images)
            throws IOException {
        Path fixtures = Path.of("src/test/resources/fixtures/evaluation");
        JsonNode expected = JsonMapper.builder().build().readTree(Files.readString(
                fixtures.resolve("feature-probe.json")));
        int width = expected.get("feature_width").asInt();
        int classes = expected.get("classes").asInt();
        assertThat(width).isNotEqualTo(classes);
        try (io.visprompt.model.internal.LoadedModel model = io.visprompt.model.internal.TorchScriptModels
                .openDirectory("feature-classifier", fixtures.resolve("feature-classifier"))) {
            assertThat(model.probeFeatureSource()).isEqualTo("features()");
            LinearProbe.Split[] splits = new LinearProbe.Split[3];
            String[] names = {"train", "validation", "test"};
            for (int s = 0; s < 3; s++) {
                JsonNode node = expected.get(names[s]);
                List<TrainingExample> examples = examples(node, expected.get("side").asInt(),
                        images.resolve(names[s]));
                splits[s] = LinearProbe.features(model, examples, 32);
                LinearProbe.Split torch = split(node);
                assertThat(splits[s].features()[0]).hasSize(width);
                for (int i = 0; i < torch.features().length; i++) {
                    assertThat(splits[s].features()[i]).as("%s image %d", names[s], i)
                            .containsExactly(torch.features()[i], within(1e-5f));
                }
                assertThat(splits[s].labels()).isEqualTo(torch.labels());
            }
            LinearProbe.Result result = LinearProbe.fit(splits[0], splits[1], splits[2], classes, LinearProbe.C_GRID);
            System.out.printf("feature-method probe: C=%s, test %.4f (sklearn C=%s, %.4f)%n", result.chosen().c(),
                    result.chosen().testAccuracy(), expected.get("chosen_c").asDouble(),
                    expected.get("test_accuracy").asDouble());
            assertThat(result.chosen().c()).isEqualTo(expected.get("chosen_c").asDouble());
            assertThat(result.chosen().testAccuracy()).isCloseTo(expected.get("test_accuracy").asDouble(),
                    within(0.01));
        }
    }

    /** The fixture's images (base64 HWC bytes) as PNG files, the way a dataset's images reach the probe. */
    static List<TrainingExample> examples(JsonNode node, int side, Path directory) throws IOException {
        byte[] bytes = java.util.Base64.getDecoder().decode(node.get("images").asString());
        Files.createDirectories(directory);
        List<TrainingExample> examples = new java.util.ArrayList<>();
        for (int i = 0; i < node.get("labels").size(); i++) {
            java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(side, side,
                    java.awt.image.BufferedImage.TYPE_INT_RGB);
            for (int p = 0; p < side * side; p++) {
                int o = (i * side * side + p) * 3;
                image.setRGB(p % side, p / side,
                        (bytes[o] & 0xff) << 16 | (bytes[o + 1] & 0xff) << 8 | (bytes[o + 2] & 0xff));
            }
            Path file = directory.resolve(i + ".png");
            javax.imageio.ImageIO.write(image, "png", file.toFile());
            examples.add(new TrainingExample(file, node.get("labels").get(i).asInt()));
        }
        return examples;
    }

    @Test
    void withoutAValidationSplitTheDefaultStrengthIsUsed() {
        LinearProbe.Split train = new LinearProbe.Split(new float[][] {{0, 1}, {1, 0}, {0, 2}, {2, 0}},
                new int[] {0, 1, 0, 1});
        LinearProbe.Result result = LinearProbe.fit(train, new LinearProbe.Split(new float[0][], new int[0]), train,
                2, LinearProbe.C_GRID);

        assertThat(result.fits()).hasSize(1);
        assertThat(result.chosen().c()).isEqualTo(LinearProbe.DEFAULT_C);
        assertThat(result.chosen().validationAccuracy()).isNaN();
        assertThat(result.chosen().testAccuracy()).isEqualTo(1.0);
    }
}
