package io.visprompt.training;

import java.util.Optional;
import java.util.UUID;

import io.visprompt.config.Tenant;
import io.visprompt.training.engine.TrainingCheckpoint;
import io.visprompt.training.engine.TrainingListener;

/** One claimed job handed to its {@link QueuedJobRunner}; every write it offers is fenced by the job's lease. */
public interface QueuedJobRun {

    UUID jobId();

    Tenant tenant();

    UUID datasetId();

    String modelId();

    /** The job's settings as submitted to {@link QueuedJobs#enqueue}. */
    String specJson();

    /** 1 for the first claim; more after a requeue. */
    int attempt();

    /**
     * The checkpoint an earlier attempt saved through {@link #listener()}'s {@code onCheckpoint} (fenced by its
     * lease), to resume from; empty on a first run.
     */
    Optional<TrainingCheckpoint> checkpoint();

    /**
     * Phases, events, progress and checkpoints, written under the lease (a lost lease throws); its answers carry
     * cancel and shutdown.
     */
    TrainingListener listener();

    /**
     * Marks the job succeeded with {@code resultJson} and runs {@code alongside} (the runner's own rows) in the same
     * transaction; false, and nothing written, when the lease was lost meanwhile.
     */
    boolean succeed(String resultJson, Runnable alongside);
}
