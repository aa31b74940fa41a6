package io.visprompt.dataset;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The dataset module's entry point for other modules. */
public interface Datasets {

    Optional<DatasetSummary> find(UUID id);

    /**
     * Like {@link #find}, and keeps the dataset from being deleted until the caller's transaction ends; use it
     * when creating something (a training job) that will need the dataset.
     */
    Optional<DatasetSummary> reserve(UUID id);

    /**
     * The images of one split in a stable order (by label, then by path in the uploaded archive), with absolute
     * paths to RGB PNG files; empty for an unknown dataset.
     */
    List<DatasetImage> images(UUID id, Split split);
}
