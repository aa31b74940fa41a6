package io.visprompt.dataset;

import java.nio.file.Path;

/** A stored, validated RGB image of a dataset; {@code label} indexes the dataset's class names. */
public record DatasetImage(Path file, int label, Split split) {
}
