package io.visprompt.dataset;

import java.util.UUID;

/**
 * Implemented by modules that use datasets (training jobs), so a dataset in use is not deleted without the
 * dataset module depending on them.
 */
public interface DatasetUsage {

    /** True while something still needs the dataset's images (for example a queued or running job). */
    boolean isInUse(UUID datasetId);
}
