package io.visprompt.training;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Queue and worker settings ({@code visprompt.training.*}).
 *
 * @param workers          whether this process claims jobs (false for an API-only process)
 * @param cpuWorkers       workers per process when there is no GPU (with a GPU: one worker, on GPU 0)
 * @param leaseDuration    how long a claim lives without a heartbeat
 * @param heartbeatInterval how often running workers renew their leases (well under the lease duration)
 * @param pollInterval     how long an idle worker waits before looking for work again
 * @param reaperInterval   how often expired leases are requeued
 * @param progressInterval minimum time between two progress writes of one job
 * @param maxAttempts      default number of lost leases after which a job fails
 * @param defaultEpochs    epochs when a request names none (the paper trains 1000)
 */
@ConfigurationProperties("visprompt.training")
record TrainingProperties(@DefaultValue("true") boolean workers, @DefaultValue("1") int cpuWorkers,
        @DefaultValue("60s") Duration leaseDuration, @DefaultValue("10s") Duration heartbeatInterval,
        @DefaultValue("1s") Duration pollInterval, @DefaultValue("15s") Duration reaperInterval,
        @DefaultValue("250ms") Duration progressInterval, @DefaultValue("3") int maxAttempts,
        @DefaultValue("1000") int defaultEpochs) {
}
