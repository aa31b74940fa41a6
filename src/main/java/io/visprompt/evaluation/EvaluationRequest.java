package io.visprompt.evaluation;

import java.util.List;
import java.util.UUID;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/**
 * Body of {@code POST /v1/evaluations}: {@code prompt_id}, or a bare {@code model} (with {@code class_names} for
 * CLIP, optional for a classifier, whose labels are its own); the {@code dataset_id}; the {@code split}
 * ({@code test} by default, {@code train}, {@code val} or {@code all}).
 */
record EvaluationRequest(UUID promptId, @Size(max = 200) String model,
        @Size(min = 1, max = 1000) List<@NotBlank @Size(max = 200) String> classNames, @NotNull UUID datasetId,
        String split) {
}
