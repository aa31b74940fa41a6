package io.visprompt.evaluation.metrics;

import java.util.Arrays;

/**
 * What a classifier got right and wrong on labelled examples, from its class probabilities: accuracy, top-5
 * accuracy, per-class precision / recall / F1 / support, the confusion matrix, expected calibration error over
 * {@value #CALIBRATION_BINS} equal-width confidence bins (Guo et al. 2017) and the mean confidence. Plain Java, so
 * the numbers can be checked against scikit-learn on the same probabilities.
 *
 * <p>Conventions (those of scikit-learn): the prediction is the first class with the highest probability; a class
 * never predicted has precision 0, one without examples recall 0, and F1 is 0 where precision + recall is 0. The
 * macro and weighted averages run over the classes that have examples (a dataset may hold a subset of the classes).
 * Bin {@code b} holds the confidences in {@code (b/15, (b+1)/15]}.
 */
public final class ClassificationReport {

    public static final int CALIBRATION_BINS = 15;
    public static final int TOP_K = 5;

    private final int examples;
    private final long[][] confusion;
    private final int correct;
    private final int topKCorrect;
    private final int topK;
    private final double confidenceSum;
    private final int[] binCounts;
    private final int[] binCorrect;
    private final double[] binConfidence;

    private ClassificationReport(State s) {
        this.examples = s.examples();
        this.confusion = s.confusion();
        this.topK = Math.min(TOP_K, s.confusion().length);
        this.correct = s.correct();
        this.topKCorrect = s.topKCorrect();
        this.confidenceSum = s.confidenceSum();
        this.binCounts = s.binCounts();
        this.binCorrect = s.binCorrect();
        this.binConfidence = s.binConfidence();
    }

    /**
     * @param probabilities {@code [examples][classes]}, each row a distribution (softmax of the logits)
     * @param labels        the true class of each example, {@code 0 <= label < classCount}
     */
    public static ClassificationReport of(float[][] probabilities, int[] labels, int classCount) {
        if (probabilities.length != labels.length) {
            throw new IllegalArgumentException(probabilities.length + " rows of probabilities for " + labels.length
                    + " labels");
        }
        Tally tally = new Tally(classCount);
        for (int i = 0; i < labels.length; i++) {
            tally.add(probabilities[i], labels[i]);
        }
        return tally.report();
    }

    /**
     * Everything a report is computed from, so that a report can be built over several runs (an evaluation that
     * resumes from a checkpoint): the same examples added in the same order give the same numbers to the last bit.
     */
    public record State(int examples, long[][] confusion, int correct, int topKCorrect, double confidenceSum,
            int[] binCounts, int[] binCorrect, double[] binConfidence) {
    }

    /** The counts of a report, one example at a time. Not thread-safe. */
    public static final class Tally {
        private int examples;
        private final long[][] confusion;
        private final int topK;
        private int correct;
        private int topKCorrect;
        private double confidenceSum;
        private final int[] binCounts;
        private final int[] binCorrect;
        private final double[] binConfidence;

        public Tally(int classCount) {
            this(new State(0, new long[checked(classCount)][classCount], 0, 0, 0, new int[CALIBRATION_BINS],
                    new int[CALIBRATION_BINS], new double[CALIBRATION_BINS]));
        }

        /** Goes on from a {@link #state()} taken earlier. */
        public Tally(State s) {
            this.examples = s.examples();
            this.confusion = copy(s.confusion());
            this.topK = Math.min(TOP_K, confusion.length);
            this.correct = s.correct();
            this.topKCorrect = s.topKCorrect();
            this.confidenceSum = s.confidenceSum();
            this.binCounts = s.binCounts().clone();
            this.binCorrect = s.binCorrect().clone();
            this.binConfidence = s.binConfidence().clone();
        }

        private static int checked(int classCount) {
            if (classCount < 1) {
                throw new IllegalArgumentException("no classes");
            }
            return classCount;
        }

        /** One example: its class probabilities and its true class. */
        public void add(float[] p, int label) {
            int classCount = confusion.length;
            if (p.length != classCount || label < 0 || label >= classCount) {
                throw new IllegalArgumentException("example " + examples + ": " + p.length + " probabilities, label "
                        + label + ", " + classCount + " classes");
            }
            int predicted = argMax(p);
            confusion[label][predicted]++;
            boolean hit = predicted == label;
            if (hit) {
                correct++;
            }
            // the label is in the top k when fewer than k classes are strictly more probable
            int above = 0;
            for (float v : p) {
                if (v > p[label]) {
                    above++;
                }
            }
            if (above < topK) {
                topKCorrect++;
            }
            double confidence = p[predicted];
            confidenceSum += confidence;
            int bin = bin(confidence);
            binCounts[bin]++;
            binConfidence[bin] += confidence;
            if (hit) {
                binCorrect[bin]++;
            }
            examples++;
        }

        public State state() {
            return new State(examples, copy(confusion), correct, topKCorrect, confidenceSum, binCounts.clone(),
                    binCorrect.clone(), binConfidence.clone());
        }

        public ClassificationReport report() {
            return new ClassificationReport(state());
        }

        private static long[][] copy(long[][] matrix) {
            long[][] copy = new long[matrix.length][];
            for (int i = 0; i < matrix.length; i++) {
                copy[i] = matrix[i].clone();
            }
            return copy;
        }
    }

    /** The bin of a confidence: {@code (b/15, (b+1)/15]}, with 0 in the first. */
    static int bin(double confidence) {
        for (int b = 0; b < CALIBRATION_BINS; b++) {
            if (confidence <= (b + 1) / (double) CALIBRATION_BINS) {
                return b;
            }
        }
        return CALIBRATION_BINS - 1;
    }

    private static int argMax(float[] p) {
        int best = 0;
        for (int c = 1; c < p.length; c++) {
            if (p[c] > p[best]) {
                best = c;
            }
        }
        return best;
    }

    public int examples() {
        return examples;
    }

    public int classCount() {
        return confusion.length;
    }

    /** Rows: the true class; columns: the predicted class. */
    public long[][] confusionMatrix() {
        long[][] copy = new long[confusion.length][];
        for (int i = 0; i < confusion.length; i++) {
            copy[i] = confusion[i].clone();
        }
        return copy;
    }

    /** NaN without examples. */
    public double accuracy() {
        return examples == 0 ? Double.NaN : (double) correct / examples;
    }

    /** The share of examples whose class is among the {@link #topK()} most probable; NaN without examples. */
    public double topKAccuracy() {
        return examples == 0 ? Double.NaN : (double) topKCorrect / examples;
    }

    /** 5, or the number of classes when there are fewer. */
    public int topK() {
        return topK;
    }

    public long support(int c) {
        return Arrays.stream(confusion[c]).sum();
    }

    public long predictedCount(int c) {
        long n = 0;
        for (long[] row : confusion) {
            n += row[c];
        }
        return n;
    }

    public double precision(int c) {
        long predicted = predictedCount(c);
        return predicted == 0 ? 0 : (double) confusion[c][c] / predicted;
    }

    public double recall(int c) {
        long support = support(c);
        return support == 0 ? 0 : (double) confusion[c][c] / support;
    }

    public double f1(int c) {
        double p = precision(c);
        double r = recall(c);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    public enum Average {
        /** the plain mean over the classes with examples */
        MACRO,
        /** weighted by support */
        WEIGHTED
    }

    /** Precision averaged over the classes that have examples; NaN when none has. */
    public double precision(Average average) {
        return average(average, this::precision);
    }

    public double recall(Average average) {
        return average(average, this::recall);
    }

    public double f1(Average average) {
        return average(average, this::f1);
    }

    private double average(Average average, java.util.function.IntToDoubleFunction metric) {
        double sum = 0;
        double weights = 0;
        for (int c = 0; c < confusion.length; c++) {
            long support = support(c);
            if (support == 0) {
                continue;
            }
            double weight = average == Average.MACRO ? 1 : support;
            sum += weight * metric.applyAsDouble(c);
            weights += weight;
        }
        return weights == 0 ? Double.NaN : sum / weights;
    }

    /** The mean probability of the predicted class; NaN without examples. */
    public double meanConfidence() {
        return examples == 0 ? Double.NaN : confidenceSum / examples;
    }

    /**
     * Expected calibration error: over the bins, |accuracy - mean confidence| weighted by the share of examples in
     * the bin; NaN without examples.
     */
    public double expectedCalibrationError() {
        if (examples == 0) {
            return Double.NaN;
        }
        double ece = 0;
        for (int b = 0; b < CALIBRATION_BINS; b++) {
            if (binCounts[b] > 0) {
                double accuracy = (double) binCorrect[b] / binCounts[b];
                double confidence = binConfidence[b] / binCounts[b];
                ece += Math.abs(accuracy - confidence) * binCounts[b] / examples;
            }
        }
        return ece;
    }

    /** One bin of the reliability diagram; accuracy and confidence are NaN for an empty bin. */
    public record CalibrationBin(double lower, double upper, int count, double accuracy, double confidence) {
    }

    public CalibrationBin[] calibrationBins() {
        CalibrationBin[] bins = new CalibrationBin[CALIBRATION_BINS];
        for (int b = 0; b < CALIBRATION_BINS; b++) {
            int n = binCounts[b];
            bins[b] = new CalibrationBin(b / (double) CALIBRATION_BINS, (b + 1) / (double) CALIBRATION_BINS, n,
                    n == 0 ? Double.NaN : (double) binCorrect[b] / n, n == 0 ? Double.NaN : binConfidence[b] / n);
        }
        return bins;
    }
}
