package io.visprompt.training.engine;

/** The listener asked the run to stop without a result. */
public class TrainingCancelled extends RuntimeException {
    public TrainingCancelled(long step) {
        super("Training cancelled after step " + step);
    }
}
