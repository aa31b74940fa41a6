package io.visprompt.training;

import io.visprompt.config.DomainException;

/** No event stream can be opened now (the service is stopping, or too many are open); polling still works. */
final class EventStreamUnavailable extends DomainException {

    private EventStreamUnavailable(String code, String reason) {
        super(Kind.UNAVAILABLE, code, reason);
    }

    /** Code {@code shutting_down}. */
    static EventStreamUnavailable shuttingDown() {
        return new EventStreamUnavailable("shutting_down", "The service is shutting down");
    }

    /** Code {@code too_many_streams}. */
    static EventStreamUnavailable tooManyStreams(int maxStreams) {
        return new EventStreamUnavailable("too_many_streams", "Too many open event streams (" + maxStreams
                + "); poll GET /v1/training-jobs/{id}/events instead");
    }
}
