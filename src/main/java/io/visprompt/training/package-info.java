/**
 * Training jobs: the {@code /v1/training-jobs} API, the PostgreSQL lease queue the jobs wait in, the worker pool
 * that claims them, and (in {@code engine}) the plain-Java training maths the workers run.
 */
@org.springframework.modulith.ApplicationModule(displayName = "Training",
        allowedDependencies = {"config", "dataset", "model", "prompt", "remote", "security"})
package io.visprompt.training;
