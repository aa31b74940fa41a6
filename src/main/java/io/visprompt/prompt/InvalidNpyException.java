package io.visprompt.prompt;

import io.visprompt.config.DomainException;

/** Bytes that are not a float32 .npy array this service takes, naming the upload field: code {@code invalid_field}. */
final class InvalidNpyException extends DomainException {

    InvalidNpyException(String field, String reason) {
        super(field, reason);
    }
}
