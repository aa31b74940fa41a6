/**
 * Evaluation of prompts and bare models on any dataset: jobs queued in the training module's queue, per-class
 * reports, calibration, confusion matrices and misclassified examples ({@code /v1/evaluations}). The metrics are
 * plain Java in {@code metrics}.
 */
@org.springframework.modulith.ApplicationModule(displayName = "Evaluation",
        allowedDependencies = {"config", "dataset", "model", "prompt", "security", "training", "training :: engine"})
package io.visprompt.evaluation;
