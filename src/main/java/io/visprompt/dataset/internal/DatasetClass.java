package io.visprompt.dataset.internal;

import jakarta.persistence.Embeddable;

/** A class of a dataset with its image count per split; its label is its position in the dataset's class list. */
@Embeddable
public record DatasetClass(String name, int trainCount, int valCount, int testCount) {
}
