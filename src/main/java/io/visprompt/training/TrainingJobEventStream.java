package io.visprompt.training;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.visprompt.config.ApiProblem;
import io.visprompt.config.Tenant;
import io.visprompt.security.ApiKeyValidity;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Server-Sent Events for {@code GET /v1/training-jobs/{id}/events} with {@code Accept: text/event-stream}, and for
 * the other kinds of queued work through {@link QueuedJobs#openEventStream} (the same rows, the same stream).
 *
 * <p>Each stream polls PostgreSQL (the job row and its event rows) on a small shared scheduler:
 * no thread per client, no busy loop. It sends, in order of id, an {@code event} for each event row (SSE id = the
 * row's id, so {@code Last-Event-ID} resumes after it), a {@code progress} event with the job view whenever the
 * job changed, comments as keep-alives, and once it reads a final status an {@code end} event, then closes: a
 * status change and its event row are committed together ({@link JobQueue}), so the events read after a final
 * status already hold the one that announces it. Streams also close at their timeout (clients reconnect with
 * {@code Last-Event-ID}), on shutdown, before the web server drains requests, and once the caller's API key is
 * revoked (checked each poll against the key cache, so within {@code visprompt.security.key-cache-ttl}).
 */
@Component
class TrainingJobEventStream implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(TrainingJobEventStream.class);

    static final String EVENT = "event";
    static final String PROGRESS = "progress";
    static final String END = "end";

    private static final int BATCH = 100;
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
    private static final long RECONNECT_MILLIS = 2000;

    private final TrainingJobQueries queries;
    private final ApiKeyValidity keys;
    private final Duration pollInterval;
    private final Duration timeout;
    private final int maxStreams;
    private final ScheduledThreadPoolExecutor scheduler;
    private final Set<Subscription> open = ConcurrentHashMap.newKeySet();
    /** Streams open or being opened; {@link #open} alone would let a check and its add interleave. */
    private final AtomicInteger slots = new AtomicInteger();
    private volatile boolean running;

    TrainingJobEventStream(TrainingJobQueries queries, ApiKeyValidity keys,
            @Value("${visprompt.training.event-stream.poll-interval:500ms}") Duration pollInterval,
            @Value("${visprompt.training.event-stream.timeout:10m}") Duration timeout,
            @Value("${visprompt.training.event-stream.max-streams:200}") int maxStreams,
            @Value("${visprompt.training.event-stream.threads:2}") int threads) {
        this.queries = queries;
        this.keys = keys;
        this.pollInterval = pollInterval;
        this.timeout = timeout;
        this.maxStreams = maxStreams;
        AtomicInteger n = new AtomicInteger();
        this.scheduler = new ScheduledThreadPoolExecutor(threads, r -> {
            Thread t = new Thread(r, "job-event-stream-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.scheduler.setRemoveOnCancelPolicy(true);
    }

    /** What a stream follows: the job as its API shows it, with its status, and its event rows. */
    interface Followed {

        /** The job now, empty once it is deleted. */
        Optional<Snapshot> snapshot();

        /** Event rows after the id {@code after}, oldest first, at most {@code limit}. */
        List<? extends Object> eventsAfter(long after, int limit);

        /** The id of one of {@link #eventsAfter}'s rows. */
        long idOf(Object event);
    }

    /**
     * @param view        the {@code progress} event's data, as the API's GET shows the job
     * @param status      the job's status (wire name)
     * @param fingerprint what makes a new {@code progress} event worth sending
     */
    record Snapshot(Object view, String status, Object fingerprint) {
    }

    /**
     * Where a stream resumes: after {@code Last-Event-ID} when the client sent one (EventSource does on reconnect),
     * else after {@code after}.
     */
    static long resumeAfter(long after, String lastEventId) {
        if (lastEventId == null || lastEventId.isBlank()) {
            return after;
        }
        try {
            return Long.parseLong(lastEventId.strip());
        } catch (NumberFormatException e) {
            throw ApiProblem.invalidField("Last-Event-ID", "must be the id of an event");
        }
    }

    /** Opens a stream of the job's events after {@code afterId}; the caller has checked that the job exists. */
    SseEmitter open(Tenant tenant, UUID jobId, long afterId) {
        return open(jobId, afterId, new Followed() {
            @Override
            public Optional<Snapshot> snapshot() {
                return queries.find(tenant, jobId).map(job -> new Snapshot(job, job.status(), fingerprint(job)));
            }

            @Override
            public List<TrainingJobView.EventView> eventsAfter(long after, int limit) {
                return queries.events(jobId, after, limit);
            }

            @Override
            public long idOf(Object event) {
                return ((TrainingJobView.EventView) event).id();
            }
        });
    }

    /** Opens a stream of what {@code followed} reads; the caller has checked that the job exists. */
    SseEmitter open(UUID jobId, long afterId, Followed followed) {
        if (!running) {
            throw EventStreamUnavailable.shuttingDown();
        }
        // check and take a slot in one step: concurrent opens cannot pass the limit together
        if (slots.incrementAndGet() > maxStreams) {
            slots.decrementAndGet();
            throw EventStreamUnavailable.tooManyStreams(maxStreams);
        }
        SseEmitter emitter = new SseEmitter(timeout.toMillis());
        Subscription subscription = new Subscription(followed, jobId, afterId, keys.currentKeyPrefix().orElse(null),
                emitter);
        open.add(subscription);
        emitter.onCompletion(subscription::stop);
        emitter.onTimeout(subscription::close);
        emitter.onError(e -> subscription.stop());
        subscription.task = scheduler.scheduleWithFixedDelay(subscription::tick, 0, pollInterval.toMillis(),
                TimeUnit.MILLISECONDS);
        return emitter;
    }

    int openStreams() {
        return open.size();
    }

    private final class Subscription {

        private final Followed followed;
        private final UUID jobId;
        private final String keyPrefix;
        private final SseEmitter emitter;
        private long lastId;
        private Object lastFingerprint;
        private Instant lastSentAt = Instant.now();
        private boolean first = true;
        private volatile boolean done;
        volatile ScheduledFuture<?> task;

        Subscription(Followed followed, UUID jobId, long afterId, String keyPrefix, SseEmitter emitter) {
            this.followed = followed;
            this.jobId = jobId;
            this.keyPrefix = keyPrefix;
            this.lastId = Math.max(0, afterId);
            this.emitter = emitter;
        }

        void tick() {
            if (done) {
                return;
            }
            try {
                if (keyPrefix != null && !keys.stillValid(keyPrefix)) {
                    close(); // the key was revoked: end as a new request with it would be refused
                    return;
                }
                // The job first, then the events: an event row written before the job row was read is never missed.
                Snapshot job = followed.snapshot().orElse(null);
                drainEvents();
                if (job == null) {
                    send(SseEmitter.event().name(END).data(new End(jobId, "deleted")));
                    close();
                    return;
                }
                if (!job.fingerprint().equals(lastFingerprint)) {
                    lastFingerprint = job.fingerprint();
                    send(SseEmitter.event().name(PROGRESS).data(job.view(), MediaType.APPLICATION_JSON));
                }
                if (JobStatus.fromWire(job.status()).isTerminal()) {
                    send(SseEmitter.event().name(END).data(new End(jobId, job.status()), MediaType.APPLICATION_JSON));
                    close();
                    return;
                }
                if (Duration.between(lastSentAt, Instant.now()).compareTo(KEEP_ALIVE) >= 0) {
                    send(SseEmitter.event().comment("keep-alive"));
                }
            } catch (IOException | IllegalStateException e) {
                // the client went away (or the emitter was completed meanwhile)
                stop();
            } catch (RuntimeException e) {
                log.warn("Event stream of job {} failed; closing it (the client may reconnect)", jobId, e);
                close();
            }
        }

        private void drainEvents() throws IOException {
            List<? extends Object> batch;
            do {
                batch = followed.eventsAfter(lastId, BATCH);
                for (Object event : batch) {
                    long id = followed.idOf(event);
                    send(SseEmitter.event().id(Long.toString(id)).name(EVENT).data(event, MediaType.APPLICATION_JSON));
                    lastId = id;
                }
            } while (batch.size() == BATCH && !done);
        }

        private void send(SseEmitter.SseEventBuilder event) throws IOException {
            if (first) {
                event.reconnectTime(RECONNECT_MILLIS);
                first = false;
            }
            emitter.send(event);
            lastSentAt = Instant.now();
        }

        /** Ends the response normally. */
        void close() {
            if (!done) {
                stop();
                try {
                    emitter.complete();
                } catch (RuntimeException e) {
                    // already completed
                }
            }
        }

        /** Stops polling; the response is completed (or failed) elsewhere. */
        void stop() {
            done = true;
            if (open.remove(this)) {
                slots.decrementAndGet();
            }
            ScheduledFuture<?> t = task;
            if (t != null) {
                t.cancel(false);
            }
        }
    }

    /** What makes a new {@code progress} event worth sending (the ETA alone does not). */
    private static Object fingerprint(TrainingJobView job) {
        return List.of(job.status(), Objects.toString(job.phase()), job.progress().epoch(), job.progress().step(),
                job.metrics() == null ? -1 : job.metrics().epoch(), job.result() == null ? "" : job.result(),
                Objects.toString(job.errorCode()), Objects.toString(job.error()), job.attempt(), Objects.toString(job.updatedAt()));
    }

    record End(UUID jobId, String status) {
    }

    @Override
    public void start() {
        running = true;
    }

    /**
     * Closes every stream before the web server's graceful shutdown waits for open requests. The scheduler outlives
     * a stop: a stopped context may be started again (Spring's test context cache pauses idle contexts).
     */
    @Override
    public void stop() {
        running = false;
        for (Subscription s : List.copyOf(open)) {
            s.close();
        }
    }

    @PreDestroy
    void shutDownScheduler() {
        scheduler.shutdown();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
