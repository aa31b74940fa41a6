package io.visprompt.training;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Queue and worker settings ({@code visprompt.training.*}).
 *
 * @param workers          whether this process claims jobs (false for an API-only process)
 * @param reaper           whether this process requeues jobs whose lease expired (any number of processes may)
 * @param cpuWorkers       workers per process when there is no GPU (with a GPU: one worker, on GPU 0)
 * @param leaseDuration    how long a claim lives without a heartbeat
 * @param heartbeatInterval how often running workers renew their leases (well under the lease duration)
 * @param pollInterval     how long an idle worker waits before looking for work again
 * @param reaperInterval   how often expired leases are requeued
 * @param progressInterval minimum time between two progress writes of one job
 * @param maxAttempts      default number of lost leases after which a job fails
 * @param defaultEpochs    epochs when a request names none (the paper trains 1000)
 * @param transientRetry   how long a running job retries a write that failed on a transient database or storage
 *                         error (database restart, refused connection) before it gives the job back to the queue;
 *                         well under the lease duration, so a retried write still holds the lease
 */
@ConfigurationProperties("visprompt.training")
record TrainingProperties(@DefaultValue("true") boolean workers, @DefaultValue("true") boolean reaper,
        @DefaultValue("1") int cpuWorkers,
        @DefaultValue("60s") Duration leaseDuration, @DefaultValue("10s") Duration heartbeatInterval,
        @DefaultValue("1s") Duration pollInterval, @DefaultValue("15s") Duration reaperInterval,
        @DefaultValue("250ms") Duration progressInterval, @DefaultValue("3") int maxAttempts,
        @DefaultValue("1000") int defaultEpochs, @DefaultValue("30s") Duration transientRetry) {
}
