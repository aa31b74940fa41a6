package io.visprompt.evaluation.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.visprompt.evaluation.metrics.ClassificationReport.Average;
import io.visprompt.evaluation.metrics.ClassificationReport.CalibrationBin;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ClassificationReportTest {

    static final Path FIXTURES = Path.of("src/test/resources/fixtures/evaluation");

    /**
     * Three classes, six examples. True 0,0,1,1,2,2; predicted 0,1,1,1,0,2 with confidences 0.9,0.6,0.8,0.5,0.7,1.0.
     * Confusion [[1,1,0],[0,2,0],[1,0,1]]; precision 1/2, 2/3, 1; recall 1/2, 1, 1/2.
     */
    static final float[][] SIX = {
            {0.9f, 0.05f, 0.05f}, {0.3f, 0.6f, 0.1f}, {0.1f, 0.8f, 0.1f},
            {0.25f, 0.5f, 0.25f}, {0.7f, 0.1f, 0.2f}, {0f, 0f, 1f}};
    static final int[] SIX_LABELS = {0, 0, 1, 1, 2, 2};

    @Test
    void countsTheConfusionMatrixAndPerClassRatesOfAConstructedCase() {
        ClassificationReport report = ClassificationReport.of(SIX, SIX_LABELS, 3);

        assertThat(report.confusionMatrix()).isEqualTo(new long[][] {{1, 1, 0}, {0, 2, 0}, {1, 0, 1}});
        assertThat(report.accuracy()).isEqualTo(4 / 6.0);
        assertThat(new double[] {report.precision(0), report.precision(1), report.precision(2)})
                .containsExactly(new double[] {0.5, 2 / 3.0, 1.0}, within(1e-15));
        assertThat(new double[] {report.recall(0), report.recall(1), report.recall(2)})
                .containsExactly(new double[] {0.5, 1.0, 0.5}, within(1e-15));
        assertThat(report.f1(1)).isCloseTo(0.8, within(1e-15)); // 2 * (2/3) * 1 / (5/3)
        assertThat(report.f1(2)).isCloseTo(2 / 3.0, within(1e-15));
        assertThat(report.support(2)).isEqualTo(2);
        assertThat(report.precision(Average.MACRO)).isCloseTo((0.5 + 2 / 3.0 + 1) / 3, within(1e-15));
        // with three classes every label is in the top 5
        assertThat(report.topK()).isEqualTo(3);
        assertThat(report.topKAccuracy()).isEqualTo(1.0);
    }

    @Test
    void expectedCalibrationErrorWeighsEachBinsGapByItsShare() {
        ClassificationReport report = ClassificationReport.of(SIX, SIX_LABELS, 3);

        // confidences 0.9 (right), 0.6 (wrong), 0.8 (right), 0.5 (right), 0.7 (wrong), 1.0 (right), one per bin:
        // as floats: 0.5 -> (7/15, 8/15], 0.6f (just above 9/15) -> (9/15, 10/15], 0.7f -> (10/15, 11/15],
        // 0.8f (just above 12/15) -> (12/15, 13/15], 0.9f -> (13/15, 14/15], 1 -> (14/15, 1]
        // gaps 0.1, 0.6, 0.2, 0.5, 0.7, 0: ECE = 2.1 / 6 (to float precision of the confidences)
        assertThat(report.expectedCalibrationError()).isCloseTo(0.35, within(1e-7));
        assertThat(report.meanConfidence()).isCloseTo((0.9f + 0.6f + 0.8f + 0.5f + 0.7f + 1.0f) / 6.0, within(1e-7));
        CalibrationBin[] bins = report.calibrationBins();
        assertThat(bins).hasSize(15);
        assertThat(bins[7].count()).isEqualTo(1);
        assertThat(bins[9].accuracy()).isEqualTo(0.0);
        assertThat(bins[12].accuracy()).isEqualTo(1.0);
        assertThat(bins[14].count()).isEqualTo(1);
        assertThat(bins[0].count()).isZero();
        assertThat(bins[0].accuracy()).isNaN();
    }

    @Test
    void aPerfectlyConfidentAndRightClassifierHasNoCalibrationError() {
        ClassificationReport report = ClassificationReport.of(new float[][] {{1, 0}, {0, 1}}, new int[] {0, 1}, 2);

        assertThat(report.accuracy()).isEqualTo(1.0);
        assertThat(report.expectedCalibrationError()).isZero();
    }

    @Test
    void topFiveCountsALabelOutsideTheArgmaxButAmongTheFiveMostProbable() {
        float[] p = {0.30f, 0.20f, 0.15f, 0.12f, 0.10f, 0.08f, 0.05f};
        ClassificationReport report = ClassificationReport.of(new float[][] {p, p, p}, new int[] {4, 5, 0}, 7);

        assertThat(report.accuracy()).isEqualTo(1 / 3.0);
        assertThat(report.topKAccuracy()).isEqualTo(2 / 3.0); // class 4 is 5th, class 5 is 6th
    }

    @Test
    void aClassNeverPredictedAndAClassWithoutExamplesScoreZeroAndStayOutOfTheAverages() {
        // class 2 has no examples and is never predicted; class 1 has examples but is never predicted
        float[][] p = {{0.9f, 0.05f, 0.05f}, {0.6f, 0.3f, 0.1f}};
        ClassificationReport report = ClassificationReport.of(p, new int[] {0, 1}, 3);

        assertThat(report.precision(1)).isZero();
        assertThat(report.recall(2)).isZero();
        assertThat(report.f1(2)).isZero();
        assertThat(report.precision(Average.MACRO)).isEqualTo((0.5 + 0) / 2);
        assertThat(report.recall(Average.WEIGHTED)).isEqualTo(0.5);
    }

    @Test
    void anEmptySetOfExamplesHasNoAccuracyRatherThanZero() {
        ClassificationReport report = ClassificationReport.of(new float[0][], new int[0], 4);

        assertThat(report.accuracy()).isNaN();
        assertThat(report.expectedCalibrationError()).isNaN();
        assertThat(report.precision(Average.MACRO)).isNaN();
    }

    @Test
    void everyNumberEqualsScikitLearnsOnTheCommittedProbabilities() throws IOException {
        JsonNode expected = JsonMapper.builder().build().readTree(Files.readString(FIXTURES.resolve("metrics.json")));
        int classes = expected.get("class_count").asInt();
        JsonNode rows = expected.get("probabilities");
        float[][] probabilities = new float[rows.size()][classes];
        int[] labels = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            for (int c = 0; c < classes; c++) {
                probabilities[i][c] = (float) rows.get(i).get(c).asDouble();
            }
            labels[i] = expected.get("labels").get(i).asInt();
        }

        ClassificationReport report = ClassificationReport.of(probabilities, labels, classes);

        assertThat(report.accuracy()).isCloseTo(expected.get("accuracy").asDouble(), within(1e-12));
        assertThat(report.topKAccuracy()).isCloseTo(expected.get("top5_accuracy").asDouble(), within(1e-12));
        for (int c = 0; c < classes; c++) {
            assertThat(report.precision(c)).as("precision %d", c)
                    .isCloseTo(expected.get("precision").get(c).asDouble(), within(1e-12));
            assertThat(report.recall(c)).as("recall %d", c)
                    .isCloseTo(expected.get("recall").get(c).asDouble(), within(1e-12));
            assertThat(report.f1(c)).as("f1 %d", c).isCloseTo(expected.get("f1").get(c).asDouble(), within(1e-12));
            assertThat(report.support(c)).isEqualTo(expected.get("support").get(c).asLong());
            for (int p = 0; p < classes; p++) {
                assertThat(report.confusionMatrix()[c][p])
                        .isEqualTo(expected.get("confusion_matrix").get(c).get(p).asLong());
            }
        }
        for (Average average : Average.values()) {
            JsonNode e = expected.get(average.name().toLowerCase(java.util.Locale.ROOT));
            assertThat(report.precision(average)).isCloseTo(e.get("precision").asDouble(), within(1e-12));
            assertThat(report.recall(average)).isCloseTo(e.get("recall").asDouble(), within(1e-12));
            assertThat(report.f1(average)).isCloseTo(e.get("f1").asDouble(), within(1e-12));
        }
        assertThat(report.expectedCalibrationError()).isCloseTo(expected.get("ece").asDouble(), within(1e-9));
        assertThat(report.meanConfidence()).isCloseTo(expected.get("mean_confidence").asDouble(), within(1e-9));
    }
}
