package io.visprompt.training;

import java.util.List;

import io.visprompt.training.engine.BlackBoxSettings;
import io.visprompt.training.engine.LabelMapping;
import io.visprompt.training.engine.OptimizerKind;
import io.visprompt.training.engine.PromptPlacement;
import io.visprompt.training.engine.PromptTemplate;
import io.visprompt.training.engine.TrainingSettings;

/**
 * A job's settings with every default filled in, as stored with the job (JSON) and shown by the API.
 * Enumerations are kept in their lowercase wire form.
 */
record TrainingJobSpec(Prompt prompt, Output output, Hyperparameters hyperparameters, List<String> baselines) {

    /** The baseline fitted next to the prompt on request: a linear probe on the frozen model's features. */
    static final String LINEAR_PROBE = "linear_probe";

    TrainingJobSpec(Prompt prompt, Output output, Hyperparameters hyperparameters) {
        this(prompt, output, hyperparameters, null);
    }

    boolean wantsLinearProbe() {
        return baselines != null && baselines.contains(LINEAR_PROBE);
    }

    record Prompt(String template, int size, String placement) {
    }

    record Output(String labelMapping, List<String> textTemplates) {
    }

    /** {@code queryBudget}, {@code queriesPerStep}, {@code perturbation}: black-box optimizers only, else null. */
    record Hyperparameters(int epochs, int batchSize, double learningRate, double momentum, double weightDecay,
            int warmupSteps, String optimizer, long seed, int checkpointEvery, Long queryBudget,
            Integer queriesPerStep, Double perturbation) {

        /** A white-box job's hyperparameters. */
        Hyperparameters(int epochs, int batchSize, double learningRate, double momentum, double weightDecay,
                int warmupSteps, String optimizer, long seed, int checkpointEvery) {
            this(epochs, batchSize, learningRate, momentum, weightDecay, warmupSteps, optimizer, seed, checkpointEvery,
                    null, null, null);
        }

        BlackBoxSettings blackBox() {
            return queriesPerStep == null ? BlackBoxSettings.NONE
                    : new BlackBoxSettings(queriesPerStep, perturbation, queryBudget == null ? 0 : queryBudget);
        }
    }

    TrainingSettings toSettings() {
        return new TrainingSettings(PromptTemplate.fromWire(prompt.template()), prompt.size(),
                PromptPlacement.fromWire(prompt.placement()),
                LabelMapping.fromWire(output.labelMapping()), output.textTemplates(),
                hyperparameters.epochs(), hyperparameters.batchSize(), hyperparameters.learningRate(),
                hyperparameters.momentum(), hyperparameters.weightDecay(), hyperparameters.warmupSteps(),
                OptimizerKind.fromWire(hyperparameters.optimizer()), hyperparameters.seed(),
                hyperparameters.checkpointEvery(), hyperparameters.blackBox());
    }
}
