package io.visprompt.training.engine;

import java.util.ArrayList;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The linear-probe baseline of the visual-prompting papers: multinomial logistic regression on the frozen model's
 * features, its L2 strength chosen on the validation split. The objective is scikit-learn's
 * {@code LogisticRegression(C=c, multi_class="multinomial")}: the summed cross-entropy plus {@code ||W||^2 / (2c)},
 * the intercept not penalized. It is convex; it is minimized by Nesterov-accelerated gradient descent with step
 * 1/L (L bounded from the features' largest eigenvalue, found by power iteration) and restarts, on DJL arrays.
 */
public final class LinearProbe {

    /** The inverse L2 strengths tried, as scikit-learn's {@code C}. */
    public static final double[] C_GRID = {1e-4, 1e-3, 1e-2, 1e-1, 1, 10};
    /** Used when there is no validation split to choose with (scikit-learn's default). */
    public static final double DEFAULT_C = 1;

    private static final int MAX_ITERATIONS = 4000;
    private static final double TOLERANCE = 1e-6;

    /** @param validationAccuracy NaN without validation examples; testAccuracy NaN without test examples */
    public record Fit(double c, double validationAccuracy, double testAccuracy, int iterations) {
    }

    /** Every C tried, and the one chosen: the best validation accuracy, the smallest C on ties. */
    public record Result(List<Fit> fits, Fit chosen) {
    }

    /** Features {@code [n][d]} with their labels. */
    public record Split(float[][] features, int[] labels) {

        int size() {
            return labels.length;
        }
    }

    private LinearProbe() {
    }

    /**
     * What the probe is fitted on: the frozen model's {@link io.visprompt.model.FrozenModel#probeFeatures} for each
     * image without a prompt, in batches: the feature method a classifier's metadata names, else its logits; CLIP's
     * image embeddings.
     */
    public static Split features(io.visprompt.model.FrozenModel model, List<TrainingExample> examples, int batchSize) {
        float[][] features = new float[examples.size()][];
        int[] labels = new int[examples.size()];
        int side = model.descriptor().inputSize();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            for (int start = 0; start < examples.size(); start += batchSize) {
                int end = Math.min(examples.size(), start + batchSize);
                float[] batch = new float[(end - start) * side * side * 3];
                for (int i = start; i < end; i++) {
                    TrainingExample example = examples.get(i);
                    java.awt.image.BufferedImage image;
                    try {
                        image = javax.imageio.ImageIO.read(example.file().toFile());
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    if (image == null) {
                        throw new IllegalArgumentException("not an image: " + example.file().getFileName());
                    }
                    System.arraycopy(model.preprocessor().toNormalizedHwc(image), 0, batch,
                            (i - start) * side * side * 3, side * side * 3);
                    labels[i] = example.label();
                }
                try (NDManager call = manager.newSubManager()) {
                    NDArray images = call.create(batch, new Shape(end - start, side, side, 3)).transpose(0, 3, 1, 2);
                    NDArray output = model.probeFeatures(images);
                    long width = output.getShape().get(1);
                    float[] flat = output.toFloatArray();
                    for (int i = start; i < end; i++) {
                        features[i] = java.util.Arrays.copyOfRange(flat, (int) ((i - start) * width),
                                (int) ((i - start + 1) * width));
                    }
                }
            }
        }
        return new Split(features, labels);
    }

    public static Result fit(Split train, Split validation, Split test, int classes, double[] grid) {
        if (train.size() == 0) {
            throw new IllegalArgumentException("the linear probe needs training examples");
        }
        double[] cs = validation.size() == 0 ? new double[] {DEFAULT_C} : grid;
        List<Fit> fits = new ArrayList<>();
        Fit chosen = null;
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray x = augmented(manager, train.features());
            NDArray y = manager.create(train.labels()).toType(DataType.INT64, false).oneHot(classes)
                    .toType(DataType.FLOAT32, false);
            double lambdaMax = largestEigenvalue(manager, x);
            NDArray xVal = validation.size() == 0 ? null : augmented(manager, validation.features());
            NDArray xTest = test.size() == 0 ? null : augmented(manager, test.features());
            for (double c : cs) {
                try (NDManager run = manager.newSubManager()) {
                    int[] iterations = {0};
                    NDArray w = minimize(run, x, y, c, lambdaMax, iterations);
                    Fit fit = new Fit(c, accuracy(xVal, w, validation.labels()), accuracy(xTest, w, test.labels()),
                            iterations[0]);
                    fits.add(fit);
                    if (chosen == null || (fit.validationAccuracy() > chosen.validationAccuracy())) {
                        chosen = fit;
                    }
                }
            }
        }
        return new Result(fits, chosen);
    }

    /** Features with a column of ones: the last row of the weights is the intercept. */
    private static NDArray augmented(NDManager manager, float[][] features) {
        int n = features.length;
        int d = features[0].length;
        float[] flat = new float[n * (d + 1)];
        for (int i = 0; i < n; i++) {
            if (features[i].length != d) {
                throw new IllegalArgumentException("feature rows of different lengths");
            }
            System.arraycopy(features[i], 0, flat, i * (d + 1), d);
            flat[i * (d + 1) + d] = 1f;
        }
        return manager.create(flat, new Shape(n, d + 1));
    }

    /** The largest eigenvalue of {@code X^T X / n}, by power iteration. */
    private static double largestEigenvalue(NDManager manager, NDArray x) {
        try (NDManager scratch = manager.newSubManager()) {
            long n = x.getShape().get(0);
            NDArray gram = x.transpose().matMul(x).div(n);
            gram.attach(scratch);
            NDArray v = scratch.ones(new Shape(gram.getShape().get(0), 1));
            double eigenvalue = 0;
            for (int i = 0; i < 100; i++) {
                NDArray next = gram.matMul(v);
                eigenvalue = next.norm().getFloat();
                v = next.div(eigenvalue);
            }
            return eigenvalue;
        }
    }

    /** Weights {@code [d+1, classes]} minimizing the mean cross-entropy plus {@code ||W||^2 / (2 c n)}. */
    private static NDArray minimize(NDManager run, NDArray x, NDArray y, double c, double lambdaMax,
            int[] iterations) {
        long n = x.getShape().get(0);
        long d = x.getShape().get(1);
        float penalty = (float) (1.0 / (c * n));
        // the Hessian of the mean cross-entropy is at most lambdaMax / 2 times the identity (softmax: 1/2)
        float step = (float) (1.0 / (0.5 * lambdaMax + penalty));
        NDArray mask = run.ones(new Shape(d, 1));
        mask.set(new ai.djl.ndarray.index.NDIndex(d - 1), 0f); // the intercept is not penalized
        NDArray w = run.zeros(new Shape(d, y.getShape().get(1)));
        NDArray previous = w;
        double momentum = 1;
        double lastObjective = Double.POSITIVE_INFINITY;
        for (int it = 0; it < MAX_ITERATIONS; it++) {
            try (NDManager stepManager = run.newSubManager()) {
                double nextMomentum = (1 + Math.sqrt(1 + 4 * momentum * momentum)) / 2;
                NDArray lookahead = w.add(w.sub(previous).mul((float) ((momentum - 1) / nextMomentum)));
                lookahead.attach(stepManager);
                NDArray p = x.matMul(lookahead).softmax(1);
                NDArray gradient = x.transpose().matMul(p.sub(y)).div(n).add(lookahead.mul(mask).mul(penalty));
                NDArray next = lookahead.sub(gradient.mul(step));
                double objective = objective(x, y, next, mask, penalty);
                NDArray kept;
                if (objective > lastObjective) { // restart the momentum when it overshoots
                    nextMomentum = 1;
                    NDArray p0 = x.matMul(w).softmax(1);
                    NDArray g0 = x.transpose().matMul(p0.sub(y)).div(n).add(w.mul(mask).mul(penalty));
                    kept = w.sub(g0.mul(step));
                    objective = objective(x, y, kept, mask, penalty);
                } else {
                    kept = next;
                }
                kept.attach(run);
                NDArray before = w;
                previous = w;
                w = kept;
                momentum = nextMomentum;
                iterations[0] = it + 1;
                boolean converged = Math.abs(lastObjective - objective) < TOLERANCE * Math.max(1, Math.abs(objective))
                        && w.sub(before).abs().max().getFloat() < 1e-6;
                lastObjective = objective;
                if (converged) {
                    break;
                }
            }
        }
        return w;
    }

    private static double objective(NDArray x, NDArray y, NDArray w, NDArray mask, float penalty) {
        NDArray logProbabilities = x.matMul(w).logSoftmax(1);
        double crossEntropy = -logProbabilities.mul(y).sum().getFloat() / x.getShape().get(0);
        return crossEntropy + 0.5 * penalty * w.mul(mask).pow(2).sum().getFloat();
    }

    private static double accuracy(NDArray x, NDArray w, int[] labels) {
        if (x == null) {
            return Double.NaN;
        }
        long[] predicted = x.matMul(w).argMax(1).toLongArray();
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            if (predicted[i] == labels[i]) {
                correct++;
            }
        }
        return (double) correct / labels.length;
    }
}
