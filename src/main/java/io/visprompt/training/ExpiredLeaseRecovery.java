package io.visprompt.training;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Housekeeping that runs in every process: requeues jobs whose worker stopped heart-beating (a crash loses no
 * job; off with {@code visprompt.training.reaper=false}) and refreshes the job-count gauges. Wrapped so one failure
 * cannot stop the schedule.
 */
@Component
class ExpiredLeaseRecovery {

    private static final Logger log = LoggerFactory.getLogger(ExpiredLeaseRecovery.class);

    private final JobQueue queue;
    private final TrainingJobQueries queries;
    private final TrainingProperties properties;
    private final Map<JobStatus, Long> counts = new ConcurrentHashMap<>();
    private final MeterRegistry meters;

    ExpiredLeaseRecovery(JobQueue queue, TrainingJobQueries queries, TrainingProperties properties,
            MeterRegistry meters) {
        this.queue = queue;
        this.queries = queries;
        this.properties = properties;
        this.meters = meters;
        for (JobStatus status : JobStatus.values()) {
            counts.put(status, 0L);
            Gauge.builder("visprompt.training.jobs", counts, c -> c.getOrDefault(status, 0L))
                    .tag("status", status.wireName()).description("Training jobs by status").register(meters);
        }
        Gauge.builder("visprompt.training.queue.depth", counts, c -> c.getOrDefault(JobStatus.QUEUED, 0L))
                .description("Jobs waiting for a worker").register(meters);
    }

    @Scheduled(fixedDelayString = "${visprompt.training.reaper-interval:15s}",
            initialDelayString = "${visprompt.training.reaper-interval:15s}")
    void run() {
        try {
            List<JobQueue.Requeued> requeued = properties.reaper() ? queue.requeueExpired() : List.of();
            for (JobQueue.Requeued r : requeued) {
                log.warn("Lease of worker {} on job {} expired; job is now {}", r.previousOwner(), r.jobId(),
                        r.status().wireName());
                Counter.builder("visprompt.training.lease.expiries").tag("outcome", r.status().wireName())
                        .description("Leases that expired (worker crashed or stalled), by what became of the job")
                        .register(meters).increment();
                if (r.status() == JobStatus.QUEUED) {
                    Counter.builder("visprompt.training.requeues").tag("reason", "lease_expired")
                            .description("Running jobs given back to the queue (shutdown, transient failure, "
                                    + "expired lease)")
                            .register(meters).increment();
                }
            }
            Map<String, Long> current = queries.countByStatus();
            for (JobStatus status : JobStatus.values()) {
                counts.put(status, current.getOrDefault(status.wireName(), 0L));
            }
        } catch (RuntimeException e) {
            log.warn("Lease recovery failed; will retry: {}", e.getMessage());
        }
    }
}
