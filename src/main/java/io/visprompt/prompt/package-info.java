/**
 * Learned prompts as stored artifacts: one per succeeded training job (or import), its metadata a PostgreSQL row,
 * its exact float32 tensors an object in the object store. {@link io.visprompt.prompt.Prompts} is what other modules
 * use; none reads the tensors from the store directly.
 */
@org.springframework.modulith.ApplicationModule(displayName = "Prompt",
        allowedDependencies = {"config", "model", "storage"})
package io.visprompt.prompt;
