package io.visprompt.evaluation;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * An evaluation as the API shows it. {@code summary} (accuracy with and without the prompt, examples, mistakes)
 * once it has succeeded; {@code report} (every number, per class, confusion matrices, calibration bins) only on
 * {@code GET /v1/evaluations/{id}}. A failed one has a stable {@code error_code} and a safe {@code error}.
 */
record EvaluationView(UUID id, String object, UUID datasetId, UUID promptId, String model, List<String> classNames,
        String split, String status, String phase, EvaluationProgress progress, int attempt, int maxAttempts, String errorCode,
        String error, Map<String, Object> summary, Map<String, Object> report, Instant createdAt, Instant startedAt,
        Instant finishedAt, Instant updatedAt) {

    /** Images classified so far of {@code total_images}. */
    record EvaluationProgress(long images, Long totalImages, Double percent) {
    }

}
