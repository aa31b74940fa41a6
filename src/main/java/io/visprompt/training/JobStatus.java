package io.visprompt.training;

/** Lifecycle of a training job, as stored and as shown by the API. */
enum JobStatus {
    QUEUED, RUNNING, CANCELLING, SUCCEEDED, FAILED, CANCELLED;

    String wireName() {
        return name().toLowerCase();
    }

    static JobStatus fromWire(String value) {
        return valueOf(value.toUpperCase());
    }

    boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
