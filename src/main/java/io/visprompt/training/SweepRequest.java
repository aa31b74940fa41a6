package io.visprompt.training;

import java.util.Map;
import java.util.UUID;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

/**
 * Body of {@code POST /v1/sweeps}. {@code space} names the settings to search (as paths of a job request, see
 * {@link SweepSpace}); {@code prompt}, {@code output} and {@code hyperparameters} fix the others for every trial, as
 * in a job request (the trial's epochs are {@code max_epochs_per_trial}). {@code strategy}: grid | random | asha.
 */
record SweepRequest(@NotNull UUID datasetId, @NotBlank String model, @NotNull Map<String, Object> space,
        @NotBlank String strategy, Long seed, @NotNull @Min(1) @Max(1000) Integer maxTrials,
        @NotNull @Min(1) @Max(10000) Integer maxEpochsPerTrial, @Min(1) @Max(64) Integer parallelism,
        String objective, @Valid AshaOptions asha, @Valid TrainingJobRequest.PromptOptions prompt,
        @Valid TrainingJobRequest.OutputOptions output,
        @Valid TrainingJobRequest.HyperparameterOptions hyperparameters) {

    /** ASHA's settings: rungs at {@code min_epochs * eta^k} epochs; defaults eta 3, min_epochs 1. */
    record AshaOptions(@Min(2) @Max(10) Integer eta, @Min(1) @Max(10000) Integer minEpochs) {
    }
}
