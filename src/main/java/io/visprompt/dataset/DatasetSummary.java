package io.visprompt.dataset;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A dataset as other modules see it. */
public record DatasetSummary(UUID id, String name, List<String> classNames, Map<Split, Integer> imageCounts) {
}
