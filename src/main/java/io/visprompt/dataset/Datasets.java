package io.visprompt.dataset;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.visprompt.config.Tenant;

/** The dataset module's entry point for other modules. */
public interface Datasets {

    /** The caller's dataset; another tenant's is not found, exactly like one that does not exist. */
    Optional<DatasetSummary> find(Tenant tenant, UUID id);

    /**
     * Like {@link #find}, and keeps the dataset from being deleted until the caller's transaction ends; use it
     * when creating something (a training job) that will need the dataset.
     */
    Optional<DatasetSummary> reserve(Tenant tenant, UUID id);

    /**
     * The images of one split in a stable order (by label, then by path in the uploaded archive), with absolute
     * paths to RGB PNG files; empty for an unknown dataset or another tenant's.
     */
    List<DatasetImage> images(Tenant tenant, UUID id, Split split);
}
