package io.visprompt.training.engine;

import java.util.List;

/**
 * Everything that determines a training run, already validated and with defaults applied.
 *
 * @param textTemplates  CLIP class-text templates ({@code {}} stands for the class name); averaged when several
 * @param checkpointEvery steps between checkpoints (0 = only at epoch ends)
 * @param blackBox        how black-box optimizers spend queries ({@link BlackBoxSettings#NONE} for white-box ones)
 */
public record TrainingSettings(PromptTemplate template, int promptSize, PromptPlacement placement,
        LabelMapping labelMapping, List<String> textTemplates, int epochs, int batchSize, double learningRate,
        double momentum, double weightDecay, int warmupSteps, OptimizerKind optimizer, long seed,
        int checkpointEvery, BlackBoxSettings blackBox) {

    /** A white-box run's settings. */
    public TrainingSettings(PromptTemplate template, int promptSize, PromptPlacement placement,
            LabelMapping labelMapping, List<String> textTemplates, int epochs, int batchSize, double learningRate,
            double momentum, double weightDecay, int warmupSteps, OptimizerKind optimizer, long seed,
            int checkpointEvery) {
        this(template, promptSize, placement, labelMapping, textTemplates, epochs, batchSize, learningRate, momentum,
                weightDecay, warmupSteps, optimizer, seed, checkpointEvery, BlackBoxSettings.NONE);
    }
}
