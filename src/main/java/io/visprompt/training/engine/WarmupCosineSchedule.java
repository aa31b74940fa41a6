package io.visprompt.training.engine;

/**
 * The reference's {@code cosine_lr}, per step: linear warm-up {@code base * (step + 1) / warmup}, then
 * {@code 0.5 * (1 + cos(pi * e / es)) * base} with {@code e = step - warmup}, {@code es = total - warmup}.
 */
final class WarmupCosineSchedule {

    private final double base;
    private final long warmupSteps;
    private final long totalSteps;

    WarmupCosineSchedule(double base, long warmupSteps, long totalSteps) {
        if (warmupSteps < 0 || totalSteps < 1) {
            throw new IllegalArgumentException("warm-up steps must be >= 0 and total steps >= 1");
        }
        this.base = base;
        this.warmupSteps = warmupSteps;
        this.totalSteps = totalSteps;
    }

    /** The learning rate of 0-based step {@code step}. */
    double rate(long step) {
        if (step < warmupSteps) {
            return base * (step + 1) / warmupSteps;
        }
        long decaySteps = totalSteps - warmupSteps;
        if (decaySteps <= 0) {
            // All steps are warm-up (a run shorter than its warm-up): the reference would divide by zero here.
            return base;
        }
        return 0.5 * (1 + Math.cos(Math.PI * (step - warmupSteps) / decaySteps)) * base;
    }
}
