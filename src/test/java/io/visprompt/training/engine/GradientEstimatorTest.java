package io.visprompt.training.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.FloatBuffer;
import java.util.Random;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDManager;
import io.visprompt.model.internal.LoadedModel;

/**
 * The black-box estimators against the true gradient (autograd through the same model and batch): their mean over
 * many draws points the way of the gradient, and one step along an estimate lowers the loss on average.
 */
class GradientEstimatorTest {

    private static final int BATCH = 8;
    private static final int DRAWS = 1000;

    private static LoadedModel model;
    private static int side;
    private static PromptedForward forward;
    private static VisualPrompt patch;
    private static float[] mask;
    private static float[] pixels;
    private static int[] labels;
    private static float[] point;

    @BeforeAll
    static void setUp() {
        model = EngineFixtures.classifier();
        side = model.descriptor().inputSize();
        forward = new PromptedForward(model, PromptPlacement.NORMALIZED, new ClassifierLabelHead(new int[] {0, 1, 2, 3}));
        // An 8 px patch: 192 learnable values, so a thousand draws average the estimators' noise down.
        patch = VisualPrompt.of(PromptTemplate.FIXED_PATCH, 8, side, side);
        mask = patch.mask();
        Random random = new Random(5);
        pixels = new float[BATCH * side * side * 3];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextFloat();
        }
        labels = new int[] {0, 1, 2, 3, 3, 2, 1, 0};
        point = patch.initialValues(PromptPlacement.NORMALIZED, 1);
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    @Test
    void meanSpsaEstimatePointsAlongTheTrueGradient() {
        double cosine = cosineOfMeanEstimate(new SpsaEstimator(2), 0.01);
        System.out.printf("SPSA (1 direction, c=0.01): cosine of the mean of %d estimates with the true gradient "
                + "%.3f%n", DRAWS, cosine);
        assertThat(cosine).isGreaterThan(0.6);
    }

    @Test
    void meanRgfEstimatePointsAlongTheTrueGradient() {
        double cosine = cosineOfMeanEstimate(new RandomGradientEstimator(2), 0.01);
        System.out.printf("RGF (1 Gaussian direction, c=0.01): cosine of the mean of %d estimates with the true "
                + "gradient %.3f%n", DRAWS, cosine);
        assertThat(cosine).isGreaterThan(0.6);
    }

    @Test
    void oneSpsaGcStepLowersTheLossOnAverage() {
        double change = meanLossChange(OptimizerKind.SPSA_GC, new SpsaEstimator(10));
        System.out.printf("SPSA-GC step (5 directions): mean loss change %.5f%n", change);
        assertThat(change).isNegative();
    }

    @Test
    void oneRgfStepLowersTheLossOnAverage() {
        double change = meanLossChange(OptimizerKind.RGF, new RandomGradientEstimator(10));
        System.out.printf("RGF step (9 directions): mean loss change %.5f%n", change);
        assertThat(change).isNegative();
    }

    @Test
    void eachEstimateMakesExactlyItsQueriesAndTouchesOnlyLearnableValues() {
        try (NDManager run = NDManager.newBaseManager("PyTorch");
                BatchLossOracle oracle = oracle(run)) {
            GradientEstimator.Estimate spsa = new SpsaEstimator(6).estimate(oracle, point, mask, 0.01,
                    new SplittableRandom(1));
            assertThat(oracle.queries()).isEqualTo(6);
            GradientEstimator.Estimate rgf = new RandomGradientEstimator(5).estimate(oracle, point, mask, 0.01,
                    new SplittableRandom(1));
            assertThat(oracle.queries()).isEqualTo(11);
            for (int i = 0; i < mask.length; i++) {
                if (mask[i] == 0f) {
                    assertThat(spsa.gradient()[i]).isZero();
                    assertThat(rgf.gradient()[i]).isZero();
                }
            }
            assertThat(rgf.loss()).isBetween(0.1, 20.0);
        }
    }

    @Test
    void queryCountsTheEstimatorsCannotUseAreRefused() {
        assertThatThrownBy(() -> new SpsaEstimator(3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("even");
        assertThatThrownBy(() -> new RandomGradientEstimator(1)).isInstanceOf(IllegalArgumentException.class);
    }

    private static double cosineOfMeanEstimate(GradientEstimator estimator, double perturbation) {
        try (NDManager run = NDManager.newBaseManager("PyTorch")) {
            float[] truth = new PromptGradient(forward, side, side)
                    .compute(run, FloatBuffer.wrap(pixels), labels, BATCH, point).gradient();
            double[] mean = new double[point.length];
            try (BatchLossOracle oracle = oracle(run)) {
                SplittableRandom random = new SplittableRandom(11);
                for (int draw = 0; draw < DRAWS; draw++) {
                    float[] g = estimator.estimate(oracle, point, mask, perturbation, random.split()).gradient();
                    for (int i = 0; i < g.length; i++) {
                        mean[i] += g[i] / (double) DRAWS;
                    }
                }
            }
            return cosine(mean, truth, mask);
        }
    }

    private static double meanLossChange(OptimizerKind kind, GradientEstimator estimator) {
        int trials = 100;
        try (NDManager run = NDManager.newBaseManager("PyTorch"); BatchLossOracle oracle = oracle(run)) {
            double before = oracle.query(point).loss();
            double sum = 0;
            SplittableRandom random = new SplittableRandom(23);
            for (int trial = 0; trial < trials; trial++) {
                float[] values = point.clone();
                PromptOptimizer optimizer = PromptOptimizer.of(kind, values.length, 0.9, 0.0);
                GradientEstimator.Estimate estimate = estimator.estimate(oracle, values, mask, 0.01, random.split());
                optimizer.update(values, estimate.gradient(), mask, 0.05);
                sum += oracle.query(values).loss() - before;
            }
            return sum / trials;
        }
    }

    private static BatchLossOracle oracle(NDManager run) {
        return new BatchLossOracle(forward, patch, VisualPrompt.Offset.NONE, run, FloatBuffer.wrap(pixels), labels,
                BATCH);
    }

    private static double cosine(double[] a, float[] b, float[] mask) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            if (mask[i] != 0f) {
                dot += a[i] * b[i];
                na += a[i] * a[i];
                nb += (double) b[i] * b[i];
            }
        }
        return dot / Math.sqrt(na * nb);
    }
}
