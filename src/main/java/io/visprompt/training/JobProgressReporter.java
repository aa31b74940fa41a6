package io.visprompt.training;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

import io.visprompt.training.engine.EpochMetrics;
import io.visprompt.training.engine.TrainingCheckpoint;
import io.visprompt.training.engine.TrainingListener;
import io.visprompt.training.engine.TrainingProgress;

/**
 * Carries one running job's reports into PostgreSQL under its lease, and the queue's orders (cancel, shutdown,
 * lease lost) back into the training loop. Every write is fenced: a lost lease stops the run with {@link LeaseLost}.
 */
class JobProgressReporter implements TrainingListener {

    private final Lease lease;
    private final JobQueue queue;
    private final Clock clock;
    private final TrainingProperties properties;
    private volatile boolean leaseLost;
    private volatile boolean cancelRequested;
    private volatile boolean suspendRequested;
    private Instant lastProgressWrite = Instant.EPOCH;

    JobProgressReporter(Lease lease, JobQueue queue, Clock clock, TrainingProperties properties) {
        this.lease = lease;
        this.queue = queue;
        this.clock = clock;
        this.properties = properties;
    }

    Lease lease() {
        return lease;
    }

    /** Called by the heartbeat with what the queue says about the job. */
    void onHeartbeat(Optional<JobStatus> status) {
        if (status.isEmpty()) {
            leaseLost = true;
        } else if (status.get() == JobStatus.CANCELLING) {
            cancelRequested = true;
        }
    }

    /** The process is shutting down: checkpoint at the next step and give the job back. */
    void requestSuspend() {
        suspendRequested = true;
    }

    boolean leaseLost() {
        return leaseLost;
    }

    @Override
    public void onPhase(String phase) {
        ensure(queue.recordPhase(lease, phase));
    }

    @Override
    public void onEvent(String type, String message) {
        ensure(queue.event(lease, type.startsWith("warning") ? "warning" : "info", type, message));
    }

    @Override
    public Control onProgress(TrainingProgress progress) {
        if (leaseLost) {
            throw new LeaseLost(lease);
        }
        Instant now = clock.instant();
        boolean last = progress.step() >= progress.totalSteps();
        if (last || !now.isBefore(lastProgressWrite.plus(properties.progressInterval()))) {
            Optional<JobStatus> status = queue.recordProgress(lease, progress.epoch(), progress.step(),
                    progress.totalSteps());
            lastProgressWrite = now;
            onHeartbeat(status);
            if (leaseLost) {
                throw new LeaseLost(lease);
            }
        }
        if (cancelRequested) {
            return Control.CANCEL;
        }
        return suspendRequested ? Control.SUSPEND : Control.CONTINUE;
    }

    @Override
    public void onEpoch(EpochMetrics metrics) {
        ensure(queue.recordEpoch(lease, metrics));
    }

    @Override
    public void onCheckpoint(TrainingCheckpoint checkpoint) {
        ensure(queue.saveCheckpoint(lease, checkpoint));
    }

    private void ensure(boolean written) {
        if (!written) {
            leaseLost = true;
            throw new LeaseLost(lease);
        }
    }
}
