package io.visprompt.training;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a database write again after a {@linkplain TransientFailures transient} failure, with exponential backoff
 * (100 ms doubling to 5 s) for at most {@code limit}; anything else, and the last transient failure once the limit is
 * spent, is thrown to the caller. Each retry counts in {@code visprompt.training.transient.retries}.
 */
final class TransientRetry {

    private static final Logger log = LoggerFactory.getLogger(TransientRetry.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final Duration limit;
    private final Counter retries;
    private final BooleanSupplier giveUp;

    /** @param giveUp checked before each retry: true (e.g. the lease was lost meanwhile) stops retrying */
    TransientRetry(Duration limit, MeterRegistry meters, BooleanSupplier giveUp) {
        this.limit = limit;
        this.retries = retries(meters);
        this.giveUp = giveUp;
    }

    static Counter retries(MeterRegistry meters) {
        return Counter.builder("visprompt.training.transient.retries")
                .description("Database or storage operations of running jobs retried after a transient failure")
                .register(meters);
    }

    <T> T call(String what, Supplier<T> operation) {
        long deadline = System.nanoTime() + limit.toNanos();
        Duration backoff = FIRST_BACKOFF;
        for (int attempt = 1; ; attempt++) {
            try {
                return operation.get();
            } catch (RuntimeException e) {
                long left = deadline - System.nanoTime();
                if (!TransientFailures.isTransient(e) || left <= 0 || giveUp.getAsBoolean()) {
                    throw e;
                }
                long sleep = Math.min(backoff.toNanos(), left);
                log.warn("{} failed on a transient error (attempt {}), retrying in {} ms: {}", what, attempt,
                        sleep / 1_000_000, e.toString());
                retries.increment();
                try {
                    TimeUnit.NANOSECONDS.sleep(sleep);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }
}
