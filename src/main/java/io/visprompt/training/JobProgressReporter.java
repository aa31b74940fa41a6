package io.visprompt.training;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Counter;
import io.visprompt.remote.QueryControl;
import io.visprompt.training.engine.EpochMetrics;
import io.visprompt.training.engine.QueryUsage;
import io.visprompt.training.engine.TrainingCheckpoint;
import io.visprompt.training.engine.TrainingListener;
import io.visprompt.training.engine.TrainingProgress;

/**
 * Carries one running job's reports into PostgreSQL under its lease, and the queue's orders (cancel, shutdown,
 * lease lost) back into the training loop. Every write is fenced: a lost lease stops the run with {@link LeaseLost}.
 * A write that fails on a transient error (a database restart) is retried with backoff for
 * {@code transient-retry}, still under the lease; training waits meanwhile.
 */
class JobProgressReporter implements TrainingListener {

    private final Lease lease;
    private final JobQueue queue;
    private final Clock clock;
    private final TrainingProperties properties;
    private final MeterRegistry meters;
    private final TransientRetry retry;
    private final Sweeps sweeps;
    private double lastValidationAccuracy = Double.NaN;
    private volatile String stopReason;
    private volatile boolean leaseLost;
    private volatile boolean cancelRequested;
    private volatile boolean suspendRequested;
    private Instant lastProgressWrite = Instant.EPOCH;
    private Instant lastQueriesWrite = Instant.EPOCH;
    private long queriesCounted;
    private volatile QueryControl remoteQueries;

    JobProgressReporter(Lease lease, JobQueue queue, Clock clock, TrainingProperties properties,
            MeterRegistry meters, Sweeps sweeps) {
        this.lease = lease;
        this.sweeps = sweeps;
        this.queue = queue;
        this.clock = clock;
        this.properties = properties;
        this.meters = meters;
        this.retry = retryFor(properties.transientRetry());
    }

    /** Retries of this job's writes for up to {@code limit}; they stop early once the lease is known lost. */
    TransientRetry retryFor(Duration limit) {
        return new TransientRetry(limit, meters, () -> leaseLost);
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

    /** Whether the job was asked to stop: a remote query in flight checks this and gives up at once. */
    boolean stopRequested() {
        return cancelRequested || leaseLost;
    }

    /** The remote model's queries of this job, whose retries and errors go into the job's query figures. */
    void watch(QueryControl control) {
        this.remoteQueries = control;
    }

    /** Queries used, latency, retries and errors, with the ETA from the measured query rate; fenced, throttled. */
    @Override
    public void onQueries(QueryUsage usage) {
        Counter.builder("visprompt.training.queries").description("Queries black-box jobs made to their models")
                .register(meters).increment(usage.queries() - queriesCounted);
        queriesCounted = usage.queries();
        Instant now = clock.instant();
        boolean last = usage.queries() >= usage.plannedQueries();
        if (last || !now.isBefore(lastQueriesWrite.plus(properties.progressInterval()))) {
            QueryControl control = remoteQueries;
            ensure(retry.call("Query figures of job " + lease.jobId(), () -> queue.recordQueries(lease, usage,
                    control == null ? 0 : control.retries(), control == null ? 0 : control.errors())));
            lastQueriesWrite = now;
        }
    }

    @Override
    public void onPhase(String phase) {
        ensure(retry.call("Phase of job " + lease.jobId(), () -> queue.recordPhase(lease, phase)));
    }

    @Override
    public void onEvent(String type, String message) {
        ensure(retry.call("Event of job " + lease.jobId(),
                () -> queue.event(lease, type.startsWith("warning") ? "warning" : "info", type, message)));
    }

    @Override
    public Control onProgress(TrainingProgress progress) {
        if (leaseLost) {
            throw new LeaseLost(lease);
        }
        Instant now = clock.instant();
        boolean last = progress.step() >= progress.totalSteps();
        if (last || !now.isBefore(lastProgressWrite.plus(properties.progressInterval()))) {
            Optional<JobStatus> status = retry.call("Progress of job " + lease.jobId(),
                    () -> queue.recordProgress(lease, progress.epoch(), progress.step(), progress.totalSteps()));
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
        ensure(retry.call("Metrics of job " + lease.jobId(), () -> queue.recordEpoch(lease, metrics)));
        lastValidationAccuracy = metrics.validationAccuracy();
    }

    /** A sweep's trial asks its scheduler (ASHA) whether to go on; the decision is taken once, in the database. */
    @Override
    public Control afterEpoch(int completedEpochs) {
        Optional<String> reason = retry.call("Sweep review of job " + lease.jobId(),
                () -> sweeps.reviewEpoch(lease, completedEpochs, lastValidationAccuracy));
        if (reason.isPresent()) {
            stopReason = reason.get();
            return Control.FINISH;
        }
        return Control.CONTINUE;
    }

    /** Why the sweep's scheduler stopped this job early, or null when it runs (ran) to its last epoch. */
    String stopReason() {
        return stopReason;
    }

    @Override
    public void onCheckpoint(TrainingCheckpoint checkpoint) {
        ensure(retry.call("Checkpoint of job " + lease.jobId(), () -> queue.saveCheckpoint(lease, checkpoint)));
    }

    private void ensure(boolean written) {
        if (!written) {
            leaseLost = true;
            throw new LeaseLost(lease);
        }
    }
}
