package io.visprompt.training.engine;

/** The run wrote a checkpoint and stopped so that it can be resumed elsewhere. */
public class TrainingSuspended extends RuntimeException {
    public TrainingSuspended(long step) {
        super("Training suspended after step " + step);
    }
}
