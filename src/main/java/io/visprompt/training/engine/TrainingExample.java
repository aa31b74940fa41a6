package io.visprompt.training.engine;

import java.nio.file.Path;

/** One labelled image file; {@code label} indexes the task's class names. */
public record TrainingExample(Path file, int label) {
}
