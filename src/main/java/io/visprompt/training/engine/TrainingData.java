package io.visprompt.training.engine;

import java.util.List;

/** A task: its class names and the examples of each split. The test split is never used for selection. */
public record TrainingData(List<String> classNames, List<TrainingExample> train, List<TrainingExample> validation,
        List<TrainingExample> test) {
}
