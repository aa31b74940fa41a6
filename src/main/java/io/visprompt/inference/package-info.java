/**
 * Serving what was learned: {@code /v1/classify}, the Open Inference Protocol ({@code /v2}) and prompt previews.
 * Classification goes through the training engine's {@code PromptedClassifier}, the same code path that
 * evaluated the prompt during training; concurrent requests to one prompt are batched dynamically.
 */
@org.springframework.modulith.ApplicationModule(displayName = "Inference",
        allowedDependencies = {"config", "dataset", "model", "prompt", "training :: engine"})
package io.visprompt.inference;
