package io.visprompt.training;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A training job as the API shows it. A failed job has a stable {@code errorCode} (see JobFailure) and an
 * {@code error} message safe to show; the exception behind it is in the service log only.
 */
record TrainingJobView(UUID id, String object, UUID datasetId, String model, String status, String phase,
        Map<String, Object> prompt, Map<String, Object> output, Map<String, Object> hyperparameters,
        Progress progress, MetricView metrics, Map<String, Object> result, int attempt, int maxAttempts,
        String errorCode, String error, Instant createdAt, Instant startedAt, Instant finishedAt, Instant updatedAt) {

    /** {@code queries}: black-box jobs only; their {@code etaSeconds} comes from the measured query rate. */
    record Progress(int epoch, int epochs, long step, Long totalSteps, Double percent, Long etaSeconds,
            Queries queries) {

        Progress(int epoch, int epochs, long step, Long totalSteps, Double percent, Long etaSeconds) {
            this(epoch, epochs, step, totalSteps, percent, etaSeconds, null);
        }
    }

    /** What a black-box job has spent: training queries against its budget, their latency, retries and errors. */
    record Queries(long used, long budget, long planned, double meanLatencyMs, double queriesPerSecond,
            Long etaSeconds, long retries, long errors, Instant updatedAt) {
    }

    record MetricView(int epoch, double trainLoss, double trainAccuracy, Double validationAccuracy,
            double learningRate, double imagesPerSecond, long durationMs, Instant createdAt) {
    }

    record EventView(long id, Instant createdAt, String level, String type, String message) {
    }

    record Page<T>(String object, java.util.List<T> data, boolean hasMore, String lastId) {
    }
}
