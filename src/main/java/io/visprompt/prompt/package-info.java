/**
 * Learned prompts as stored artifacts: one per succeeded training job, kept in PostgreSQL as exact float32
 * tensors. {@link io.visprompt.prompt.Prompts} is what other modules use.
 */
@org.springframework.modulith.ApplicationModule(displayName = "Prompt", allowedDependencies = {"config", "model"})
package io.visprompt.prompt;
