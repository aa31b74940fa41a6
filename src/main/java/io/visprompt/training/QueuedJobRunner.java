package io.visprompt.training;

/**
 * Work of another kind than training that goes through the same queue (an evaluation): the worker pool claims it
 * like a training job, holds and renews its lease, and hands it to the runner of its kind. A module offers a kind
 * by declaring a bean of this type; it submits and reads its jobs through {@link QueuedJobs}.
 *
 * <p>The runner reports through {@link QueuedJobRun#listener()}: each {@code onProgress} answer tells it to go on,
 * to stop (throw {@link io.visprompt.training.engine.TrainingCancelled}) or to give the job back at shutdown (throw
 * {@link io.visprompt.training.engine.TrainingSuspended}; the next attempt starts the job again). It ends with
 * {@link QueuedJobRun#succeed}; any other exception fails the job ({@link JobRejected} with its code and message).
 */
public interface QueuedJobRunner {

    /** The job kind this runner runs, as stored in {@code training_jobs.kind}. */
    String kind();

    void run(QueuedJobRun run);
}
