package io.visprompt.training;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A sweep as the API shows it. {@code leaderboard} (single sweeps only) has every planned trial, best validation
 * accuracy first; {@code best} is the best trial that has a prompt, usable with {@code /v1/classify} at once.
 * {@code compute} compares the epochs the trials trained with a full run of every trial.
 */
record SweepView(UUID id, String object, UUID datasetId, String model, String strategy, String status,
        String objective, Map<String, Object> space, long seed, int maxTrials, int maxEpochsPerTrial, int parallelism,
        SweepAsha asha, SweepProgress progress, SweepCompute compute, SweepTrial best, List<SweepTrial> leaderboard,
        Instant createdAt, Instant updatedAt, Instant finishedAt) {

    record SweepAsha(int eta, int minEpochs, List<Integer> rungs) {
    }

    /** Trials by state; {@code pending}: planned, not yet submitted (waiting for room or for the quota). */
    record SweepProgress(int trials, int pending, int queued, int running, int succeeded, int stopped, int failed,
            int cancelled, boolean waitingForQuota, Double percent) {
    }

    /** {@code fraction}: {@code epochs_used / full_run_epochs}. */
    record SweepCompute(long epochsUsed, long fullRunEpochs, double fraction) {
    }

    /**
     * One trial. {@code settings}: the searched values (by request path); {@code validation_curve}: validation
     * accuracy after each epoch trained.
     */
    record SweepTrial(int trial, UUID jobId, String status, Map<String, Object> settings,
            Double bestValidationAccuracy,
            Integer bestEpoch, int epochsUsed, List<Double> validationCurve, UUID promptId,
            Double promptedTestAccuracy, String stoppedReason) {
    }

    record SweepEventView(long id, Instant createdAt, String level, String type, UUID jobId, String message) {
    }
}
