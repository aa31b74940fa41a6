package io.visprompt.training.engine;

/** What one finished epoch measured. Accuracies are fractions in [0,1]. */
public record EpochMetrics(int epoch, double trainLoss, double trainAccuracy, double validationAccuracy,
        double learningRate, double imagesPerSecond, long durationMillis) {
}
