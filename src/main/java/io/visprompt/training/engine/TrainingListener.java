package io.visprompt.training.engine;

/** How a run reports to, and takes orders from, whoever drives it (a queued job, a benchmark, a test). */
public interface TrainingListener {

    /** What the run does next, asked after every step. */
    enum Control {
        CONTINUE,
        /** Stop now without a result ({@link TrainingCancelled}). */
        CANCEL,
        /** Write a checkpoint, then stop ({@link TrainingSuspended}), so another worker can resume. */
        SUSPEND,
        /** Stop training after this epoch and finish with the best prompt so far (early stopping). */
        FINISH
    }

    default void onPhase(String phase) {
    }

    default void onEvent(String type, String message) {
    }

    default Control onProgress(TrainingProgress progress) {
        return Control.CONTINUE;
    }

    default void onEpoch(EpochMetrics metrics) {
    }

    /** Black-box runs only: the queries spent, after every step (before {@link #onProgress}). */
    default void onQueries(QueryUsage usage) {
    }

    default void onCheckpoint(TrainingCheckpoint checkpoint) {
    }

    /**
     * Asked after each epoch but the last, once its metrics and checkpoint are reported: {@code FINISH} ends the
     * run early (a sweep's scheduler stopping a trial); any other answer goes on.
     */
    default Control afterEpoch(int completedEpochs) {
        return Control.CONTINUE;
    }
}
