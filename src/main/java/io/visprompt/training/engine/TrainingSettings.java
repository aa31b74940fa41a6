package io.visprompt.training.engine;

import java.util.List;

/**
 * Everything that determines a training run, already validated and with defaults applied.
 *
 * @param textTemplates  CLIP class-text templates ({@code {}} stands for the class name); averaged when several
 * @param checkpointEvery steps between checkpoints (0 = only at epoch ends)
 */
public record TrainingSettings(PromptTemplate template, int promptSize, PromptPlacement placement,
        LabelMapping labelMapping, List<String> textTemplates, int epochs, int batchSize, double learningRate,
        double momentum, double weightDecay, int warmupSteps, OptimizerKind optimizer, long seed,
        int checkpointEvery) {
}
