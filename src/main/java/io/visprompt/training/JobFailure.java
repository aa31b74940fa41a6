package io.visprompt.training;

import java.io.FileNotFoundException;
import java.nio.file.NoSuchFileException;
import java.util.regex.Pattern;

/**
 * Why a job failed, as API users see it: a stable {@code code} and a message safe to show (no SQL, no server file
 * paths, no exception class names). The exception itself goes to the log only.
 *
 * <p>Codes: {@code invalid_training_input} (the job's data or settings cannot be trained: the engine's own
 * check failed), {@code dataset_not_found}, {@code dataset_file_missing}, {@code worker_lost} (the lease expired
 * {@code max_attempts} times), {@code training_error} (anything else: an internal error),
 * {@code remote_endpoint_unavailable} (a remote model's endpoint stayed down through every retry; set by JobExecution),
 * {@code model_not_found} (the job's remote model was deleted).
 */
record JobFailure(String code, String message) {

    static final String INVALID_INPUT = "invalid_training_input";
    static final String DATASET_NOT_FOUND = "dataset_not_found";
    static final String DATASET_FILE_MISSING = "dataset_file_missing";
    static final String WORKER_LOST = "worker_lost";
    static final String TRAINING_ERROR = "training_error";

    private static final int MAX_MESSAGE = 300;
    /** Absolute paths (two or more segments): shown as their last segment. */
    private static final Pattern PATH = Pattern.compile("(?<![\\w.~-])(?:[A-Za-z]:)?(?:[/\\\\][^/\\\\\\s\"':,;()\\[\\]]+){2,}");

    /** A failure the job's own code found and described for users. */
    static final class Rejected extends RuntimeException {
        private final JobFailure failure;

        Rejected(String code, String message) {
            super(message);
            this.failure = new JobFailure(code, message);
        }
    }

    static JobFailure of(Throwable error) {
        if (error instanceof Rejected rejected) {
            return rejected.failure;
        }
        if (error instanceof JobRejected rejected) {
            return new JobFailure(rejected.code(), safe(rejected.getMessage()));
        }
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof NoSuchFileException || t instanceof FileNotFoundException) {
                return new JobFailure(DATASET_FILE_MISSING, "A file of the job's dataset is missing from storage");
            }
        }
        if (error instanceof IllegalArgumentException && error.getMessage() != null) {
            // the engine's checks of the job's data and settings: written for users, but may name a stored file
            return new JobFailure(INVALID_INPUT, safe(error.getMessage()));
        }
        return new JobFailure(TRAINING_ERROR, "Training failed with an internal error; the service log has the details");
    }

    /** {@code message} without server file paths, shortened. */
    static String safe(String message) {
        String cleaned = PATH.matcher(message).replaceAll(m -> {
            String path = m.group();
            int slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
            return java.util.regex.Matcher.quoteReplacement(path.substring(slash + 1));
        });
        return cleaned.length() <= MAX_MESSAGE ? cleaned : cleaned.substring(0, MAX_MESSAGE - 1) + "…";
    }
}
