package io.visprompt.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.nio.file.NoSuchFileException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.jdbc.BadSqlGrammarException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.transaction.CannotCreateTransactionException;

/** Which failures pass (retried, never fail a job) and which are the job's own; the bounded retry around them. */
class TransientFailuresTests {

    @Test
    void databaseOutagesAndStorageReadErrorsAreTransient() {
        assertThat(TransientFailures.isTransient(new DataAccessResourceFailureException(
                "terminating connection due to administrator command",
                new SQLException("terminating connection due to administrator command", "57P01")))).isTrue();
        assertThat(TransientFailures.isTransient(new CannotGetJdbcConnectionException("no connection",
                new SQLException("Connection refused", "08001", new ConnectException("Connection refused"))))).isTrue();
        assertThat(TransientFailures.isTransient(new QueryTimeoutException("timeout"))).isTrue();
        assertThat(TransientFailures.isTransient(new RecoverableDataAccessException("again"))).isTrue();
        assertThat(TransientFailures.isTransient(new CannotCreateTransactionException("Could not open JDBC Connection",
                new SQLTransientConnectionException("pool timed out")))).isTrue();
        // a commit or statement whose connection broke: only the SQLSTATE says so
        assertThat(TransientFailures.isTransient(new RuntimeException(
                new SQLException("An I/O error occurred while sending to the backend", "08006")))).isTrue();
        assertThat(TransientFailures.isTransient(new UncheckedIOException("Cannot read image",
                new IOException("Input/output error")))).isTrue();
    }

    @Test
    void errorsOfTheJobItselfAreNot() {
        assertThat(TransientFailures.isTransient(new IllegalArgumentException("The training split has no examples")))
                .isFalse();
        assertThat(TransientFailures.isTransient(new IllegalStateException("preprocessing gave 3 values"))).isFalse();
        assertThat(TransientFailures.isTransient(new DataIntegrityViolationException("duplicate key"))).isFalse();
        assertThat(TransientFailures.isTransient(new BadSqlGrammarException("insert", "INSERT ...",
                new SQLException("syntax error", "42601")))).isFalse();
        assertThat(TransientFailures.isTransient(new UncheckedIOException("Cannot read image",
                new NoSuchFileException("/data/1.png")))).as("a missing file is the dataset's problem").isFalse();
    }

    @Test
    void transientFailuresAreRetriedWithBackoffAndCounted() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        TransientRetry retry = new TransientRetry(Duration.ofSeconds(10), meters, () -> false);
        AtomicInteger calls = new AtomicInteger();

        String result = retry.call("test write", () -> {
            if (calls.incrementAndGet() < 4) {
                throw new CannotGetJdbcConnectionException("Connection refused");
            }
            return "written";
        });

        assertThat(result).isEqualTo("written");
        assertThat(calls).hasValue(4);
        assertThat(meters.get("visprompt.training.transient.retries").counter().count()).isEqualTo(3.0);
    }

    @Test
    void retriesStopAtTheirLimitAndNeverRetryTheJobsOwnErrors() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        TransientRetry retry = new TransientRetry(Duration.ofMillis(500), meters, () -> false);
        AtomicInteger calls = new AtomicInteger();

        long start = System.nanoTime();
        assertThatThrownBy(() -> retry.call("test write", () -> {
            calls.incrementAndGet();
            throw new CannotGetJdbcConnectionException("Connection refused");
        })).isInstanceOf(CannotGetJdbcConnectionException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(2));
        assertThat(calls.get()).isBetween(3, 5); // after 0, 100, 300 ms and at the 500 ms limit

        AtomicInteger own = new AtomicInteger();
        assertThatThrownBy(() -> retry.call("test write", () -> {
            own.incrementAndGet();
            throw new IllegalArgumentException("bad data");
        })).isInstanceOf(IllegalArgumentException.class);
        assertThat(own).hasValue(1);
    }
}
