package io.visprompt.training;

import io.visprompt.config.DomainException;

/** A job's settings that cannot work with its model or dataset, naming the field: code {@code invalid_field}. */
final class InvalidTrainingSettings extends DomainException {

    InvalidTrainingSettings(String field, String reason) {
        super(field, reason);
    }
}
