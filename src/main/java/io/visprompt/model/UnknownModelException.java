package io.visprompt.model;

import io.visprompt.config.DomainException;

/** No model with this id is configured: code {@code model_not_found}. */
public final class UnknownModelException extends DomainException {

    private final String modelId;

    public UnknownModelException(String modelId) {
        super(Kind.NOT_FOUND, "model_not_found", "model " + modelId + " does not exist");
        this.modelId = modelId;
    }

    public String modelId() {
        return modelId;
    }
}
