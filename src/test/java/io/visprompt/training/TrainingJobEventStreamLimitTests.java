package io.visprompt.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.visprompt.config.DomainException;
import io.visprompt.config.Tenant;
import io.visprompt.security.ApiKeyValidity;
import org.junit.jupiter.api.RepeatedTest;

/** The limit on open event streams holds exactly, also when many clients open streams at the same moment. */
class TrainingJobEventStreamLimitTests {

    static final int LIMIT = 200;

    /** A job that runs forever and writes no events: its streams stay open. */
    final TrainingJobQueries queries = new TrainingJobQueries(null, null, Clock.systemUTC()) {
        @Override
        Optional<TrainingJobView> find(Tenant tenant, UUID id) {
            return Optional.of(new TrainingJobView(id, "training_job", null, "fashion-cnn", "running", "training",
                    null, null, null, new TrainingJobView.Progress(0, 1, 0, null, null, null), null, null, 1, 3, null,
                    null, Instant.EPOCH, Instant.EPOCH, null, Instant.EPOCH));
        }

        @Override
        List<TrainingJobView.EventView> events(UUID jobId, long afterId, int limit) {
            return List.of();
        }
    };

    /** Streams opened outside a request: no caller's key to check. */
    static final ApiKeyValidity NO_KEY = new ApiKeyValidity() {
        @Override
        public Optional<String> currentKeyPrefix() {
            return Optional.empty();
        }

        @Override
        public boolean stillValid(String keyPrefix) {
            return true;
        }
    };

    @RepeatedTest(5)
    void exactlyTheLimitOfStreamsOpensWhenClientsRaceForTheLastSlots() throws Exception {
        TrainingJobEventStream streams = new TrainingJobEventStream(queries, NO_KEY, Duration.ofHours(1),
                Duration.ofMinutes(10), LIMIT, 2);
        streams.start();
        int clients = 2 * LIMIT;
        AtomicInteger opened = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicReference<EventStreamUnavailable> refusal = new AtomicReference<>();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(64);
        try {
            for (int i = 0; i < clients; i++) {
                pool.submit(() -> {
                    go.await();
                    try {
                        streams.open(Tenant.DEFAULT, UUID.randomUUID(), 0);
                        opened.incrementAndGet();
                    } catch (EventStreamUnavailable e) {
                        refusal.set(e);
                        refused.incrementAndGet();
                    }
                    return null;
                });
            }
            go.countDown();
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

            assertThat(opened).hasValue(LIMIT);
            assertThat(refused).hasValue(clients - LIMIT);
            assertThat(refusal.get().code()).isEqualTo("too_many_streams");
            assertThat(refusal.get().kind()).isEqualTo(DomainException.Kind.UNAVAILABLE);
            assertThat(streams.openStreams()).isEqualTo(LIMIT);
        } finally {
            streams.stop();
            streams.shutDownScheduler();
        }
        assertThat(streams.openStreams()).isZero();
    }
}
