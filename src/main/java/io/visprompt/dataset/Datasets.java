package io.visprompt.dataset;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The dataset module's entry point for other modules. */
public interface Datasets {

    Optional<DatasetSummary> find(UUID id);

    /**
     * The images of one split in a stable order (by label, then by path in the uploaded archive), with absolute
     * paths to RGB PNG files; empty for an unknown dataset.
     */
    List<DatasetImage> images(UUID id, Split split);
}
