package io.visprompt.training;

import java.util.List;
import java.util.UUID;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/**
 * Body of {@code POST /v1/training-jobs}. Only {@code dataset_id} and {@code model} are required; every other
 * field has the paper's default ({@link TrainingJobSpec}).
 */
record TrainingJobRequest(@NotNull UUID datasetId, @NotBlank String model, @Valid PromptOptions prompt,
        @Valid OutputOptions output, @Valid HyperparameterOptions hyperparameters,
        @Min(1) @Max(20) Integer maxAttempts, @Size(max = 4) List<@NotBlank String> baselines) {

    TrainingJobRequest(UUID datasetId, String model, PromptOptions prompt, OutputOptions output,
            HyperparameterOptions hyperparameters, Integer maxAttempts) {
        this(datasetId, model, prompt, output, hyperparameters, maxAttempts, null);
    }

    /** {@code template}: padding | fixed_patch | random_patch; {@code placement}: normalized | pixel_shrink. */
    record PromptOptions(String template, @Min(1) @Max(4096) Integer size, String placement) {
    }

    /** {@code label_mapping}: identity | frequency | iterative (classifiers); text templates for CLIP. */
    record OutputOptions(String labelMapping,
            @Size(min = 1, max = 64) List<@NotBlank @Size(max = 200) String> textTemplates) {
    }

    /**
     * {@code optimizer}: sgd | normalized_sgd | adam, or the black-box spsa_gc | rgf, which also take
     * {@code query_budget}, {@code queries_per_step} and {@code perturbation}.
     */
    record HyperparameterOptions(@Min(1) @Max(10000) Integer epochs, @Min(1) @Max(4096) Integer batchSize,
            @DecimalMin(value = "0", inclusive = false) @DecimalMax("100000") Double learningRate,
            @DecimalMin("0") @DecimalMax(value = "1", inclusive = false) Double momentum,
            @DecimalMin("0") @DecimalMax("1") Double weightDecay, @Min(0) @Max(10000000) Integer warmupSteps,
            String optimizer, Long seed, @Min(0) @Max(10000000) Integer checkpointEvery,
            @Min(1) @Max(1000000000) Long queryBudget, @Min(2) @Max(1000) Integer queriesPerStep,
            @DecimalMin(value = "0", inclusive = false) @DecimalMax("100") Double perturbation) {

        /** White-box options (no query settings). */
        HyperparameterOptions(Integer epochs, Integer batchSize, Double learningRate, Double momentum,
                Double weightDecay, Integer warmupSteps, String optimizer, Long seed, Integer checkpointEvery) {
            this(epochs, batchSize, learningRate, momentum, weightDecay, warmupSteps, optimizer, seed, checkpointEvery,
                    null, null, null);
        }
    }
}
