package io.visprompt.training.engine;

import java.nio.file.Path;
import java.util.List;

import io.visprompt.model.internal.LoadedModel;
import io.visprompt.model.internal.TorchScriptModels;

/** Shared test inputs: the demo models and default settings. */
final class EngineFixtures {

    static final Path CLASSIFIER_DIRECTORY = Path.of("src/main/resources/models/fashion-cnn");
    static final Path CLIP_DIRECTORY = Path.of("src/main/resources/models/tiny-clip");
    static final Path PARITY = Path.of("src/test/resources/fixtures/parity");

    private EngineFixtures() {
    }

    static LoadedModel classifier() {
        return TorchScriptModels.openDirectory("fashion-cnn", CLASSIFIER_DIRECTORY);
    }

    static LoadedModel clip() {
        return TorchScriptModels.openDirectory("tiny-clip", CLIP_DIRECTORY);
    }

    static TrainingSettings settings(PromptTemplate template, int promptSize, PromptPlacement placement,
            LabelMapping mapping, int epochs, int batchSize, double learningRate, int warmupSteps,
            OptimizerKind optimizer, long seed, int checkpointEvery) {
        return new TrainingSettings(template, promptSize, placement, mapping, List.of(), epochs, batchSize,
                learningRate, 0.9, 0.0, warmupSteps, optimizer, seed, checkpointEvery);
    }
}
