package io.visprompt.inference;

import io.visprompt.config.DomainException;

/** Why a classification cannot be served, in the inference module's terms; the web edge picks the HTTP status. */
final class ClassificationRefused extends DomainException {

    private ClassificationRefused(Kind kind, String code, String reason) {
        super(kind, code, reason);
    }

    private ClassificationRefused(String field, String reason) {
        super(field, reason);
    }

    static ClassificationRefused invalidField(String field, String reason) {
        return new ClassificationRefused(field, reason);
    }

    static ClassificationRefused promptNotFound(Object id) {
        return new ClassificationRefused(Kind.NOT_FOUND, "prompt_not_found", "prompt " + id + " does not exist");
    }

    static ClassificationRefused modelNotFound(String id) {
        return new ClassificationRefused(Kind.NOT_FOUND, "model_not_found", "model " + id + " does not exist");
    }

    static ClassificationRefused notServable(String reason) {
        return new ClassificationRefused(Kind.CONFLICT, "prompt_not_servable", reason);
    }

    static ClassificationRefused image(Kind kind, String code, String reason) {
        return new ClassificationRefused(kind, code, reason);
    }

    static ClassificationRefused invalidInput(String reason) {
        return new ClassificationRefused(Kind.INVALID, "invalid_input", reason);
    }

    static ClassificationRefused unavailable(String code, String reason) {
        return new ClassificationRefused(Kind.UNAVAILABLE, code, reason);
    }
}
