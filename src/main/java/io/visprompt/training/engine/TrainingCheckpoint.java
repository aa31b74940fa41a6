package io.visprompt.training.engine;

/**
 * Opaque engine state (prompt, optimizer state, label mapping, random state) after {@code step} steps, from which
 * a run resumes exactly where it was. {@code completedEpochs} epochs are fully done.
 */
public record TrainingCheckpoint(int completedEpochs, long step, byte[] state) {
}
