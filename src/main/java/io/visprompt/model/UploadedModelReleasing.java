package io.visprompt.model;

/**
 * Published, synchronously, just before this process closes a loaded uploaded model whose row is gone (deleted here
 * or by another process). Listeners that hold the model (served classifiers) stop using it and wait for what they
 * still run on it before they return: the model's native memory is freed right after.
 */
public record UploadedModelReleasing(String modelId) {
}
