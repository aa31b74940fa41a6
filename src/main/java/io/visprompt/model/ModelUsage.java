package io.visprompt.model;

/**
 * Implemented by modules that use models (training jobs), so a model in use is not deleted without the model module
 * depending on them.
 */
public interface ModelUsage {

    /** True while something still needs the model (for example a queued or running job). */
    boolean isInUse(String modelId);
}
