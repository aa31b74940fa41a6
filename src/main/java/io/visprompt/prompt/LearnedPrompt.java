package io.visprompt.prompt;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A prompt and everything needed to apply it again: the model it was learned for, its template and placement,
 * the task's class names and (for classifiers) the target -> source label mapping.
 *
 * @param values float32 {@code [3,height,width]} row-major
 * @param mask   float32 {@code [3,height,width]}, 1 where the prompt has learnable pixels
 */
public record LearnedPrompt(UUID id, UUID jobId, UUID datasetId, String modelId, String template, int size,
        String placement, int height, int width, float[] values, float[] mask, List<String> classNames,
        int[] labelMapping, List<String> textTemplates, Double validationAccuracy, Double zeroShotTestAccuracy,
        Double promptedTestAccuracy, Instant createdAt) {
}
