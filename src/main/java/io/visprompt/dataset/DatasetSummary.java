package io.visprompt.dataset;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A dataset as other modules see it.
 *
 * @param validation where its validation images came from; null when not known
 */
public record DatasetSummary(UUID id, String name, List<String> classNames, Map<Split, Integer> imageCounts,
        ValidationSplit validation) {

    public DatasetSummary(UUID id, String name, List<String> classNames, Map<Split, Integer> imageCounts) {
        this(id, name, classNames, imageCounts, null);
    }
}
