package io.visprompt.training.engine;

/** Position of a run after a finished optimizer step; {@code epoch} is 1-based. */
public record TrainingProgress(int epoch, int epochs, long step, long totalSteps, double learningRate,
        double loss) {
}
