package io.visprompt.training.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
