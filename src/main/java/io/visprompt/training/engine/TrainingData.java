package io.visprompt.training.engine;

import java.util.List;

/**
 * A task: its class names and the examples of each split. The test split is never used for selection.
 *
 * @param validationSource how the validation examples were obtained, for the {@code data_loaded} event (for example
 *                         carved out of the training images); null when there is nothing to say
 */
public record TrainingData(List<String> classNames, List<TrainingExample> train, List<TrainingExample> validation,
        List<TrainingExample> test, String validationSource) {

    public TrainingData(List<String> classNames, List<TrainingExample> train, List<TrainingExample> validation,
            List<TrainingExample> test) {
        this(classNames, train, validation, test, null);
    }
}
