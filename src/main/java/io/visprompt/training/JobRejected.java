package io.visprompt.training;

/**
 * A queued job's own refusal of its input, for users: the job fails with this stable {@code code} and message
 * (never an exception's text). Thrown by a {@link QueuedJobRunner}.
 */
public class JobRejected extends RuntimeException {

    private final String code;

    public JobRejected(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
