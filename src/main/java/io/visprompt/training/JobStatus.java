package io.visprompt.training;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonValue;

/** Lifecycle of a training job, as stored and as shown by the API. */
enum JobStatus {
    QUEUED, RUNNING, CANCELLING, SUCCEEDED, FAILED, CANCELLED,
    /** Ended early by its sweep's scheduler (ASHA), with its best prompt and its last checkpoint kept. */
    STOPPED;

    private final String wireName = name().toLowerCase(Locale.ROOT);

    /** The name in the API and in the database, the same in every locale. */
    @JsonValue
    String wireName() {
        return wireName;
    }

    /** The status with this API name (any case); @throws IllegalArgumentException for a name that is no status */
    static JobStatus fromWire(String value) {
        for (JobStatus status : values()) {
            if (value != null && status.wireName.equals(value.toLowerCase(Locale.ROOT))) {
                return status;
            }
        }
        throw new IllegalArgumentException("'" + value + "' is not a job status");
    }

    boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED || this == STOPPED;
    }
}
