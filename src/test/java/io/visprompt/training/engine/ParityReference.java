package io.visprompt.training.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/** Reference arrays written by PyTorch ({@code src/fixtures/make_fixtures.py}) as {@code .npy}, read with DJL. */
final class ParityReference {

    private ParityReference() {
    }

    static NDArray load(NDManager manager, String name) {
        Path file = EngineFixtures.PARITY.resolve(name + ".npy");
        try {
            NDList list = NDList.decode(manager, Files.readAllBytes(file));
            return list.singletonOrThrow();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }

    static float[] floats(String name) {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            return load(manager, name).toFloatArray();
        }
    }

    static long[] longs(String name) {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            return load(manager, name).toLongArray();
        }
    }

    static double normRelativeError(float[] actual, float[] expected) {
        double difference = 0;
        double reference = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = (double) actual[i] - expected[i];
            difference += d * d;
            reference += (double) expected[i] * expected[i];
        }
        return Math.sqrt(difference / reference);
    }

    /**
     * Checks one engine step against PyTorch's: loss within 1e-5 relative, padding-prompt gradient within 1e-4
     * norm-relative; prints both errors under {@code label}.
     */
    static void assertStepMatches(String label, PromptGradient.Result result, int promptSize, int side,
            float expectedLoss, float[] expectedGradient) {
        float[] gradient = VisualPrompt.of(PromptTemplate.PADDING, promptSize, side, side)
                .storedGradient(result.gradient(), VisualPrompt.Offset.NONE);
        double lossError = Math.abs(result.loss() - expectedLoss) / Math.abs(expectedLoss);
        double gradientError = normRelativeError(gradient, expectedGradient);
        System.out.printf("%s parity: loss %.7f vs %.7f (relative %.2e); gradient norm-relative %.2e, max abs %.2e%n",
                label, result.loss(), expectedLoss, lossError, gradientError,
                maxAbsoluteError(gradient, expectedGradient));
        assertThat(lossError).isLessThan(1e-5);
        assertThat(gradientError).isLessThan(1e-4);
    }

    static double maxAbsoluteError(float[] actual, float[] expected) {
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs((double) actual[i] - expected[i]));
        }
        return max;
    }

    /**
     * Pixels in [0,1], channels last, that the engine's in-graph normalization turns back into the reference's
     * normalized NCHW images (to within float rounding), so the parity cases run the real training path.
     */
    static float[] pixelsNhwc(float[] normalizedNchw, int count, int side, float mean, float std) {
        float[] pixels = new float[normalizedNchw.length];
        for (int n = 0; n < count; n++) {
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < side; y++) {
                    for (int x = 0; x < side; x++) {
                        float value = normalizedNchw[((n * 3 + c) * side + y) * side + x];
                        pixels[((n * side + y) * side + x) * 3 + c] = value * std + mean;
                    }
                }
            }
        }
        return pixels;
    }

    static int[] ints(long[] values) {
        int[] ints = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            ints[i] = Math.toIntExact(values[i]);
        }
        return ints;
    }
}
