package io.visprompt.config;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.Set;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.http.HttpStatus;
import org.springframework.transaction.CannotCreateTransactionException;

/**
 * PostgreSQL cannot be reached (down, restarting, or the pool found no connection within
 * {@code spring.datasource.hikari.connection-timeout}): such a failure is answered 503 with code
 * {@code database_unavailable} and {@code Retry-After}, not 500, so clients and load balancers retry
 * ({@code ProblemResponses} for controllers, the security module's filter for the key lookup).
 */
public final class DatabaseUnavailable {

    /** Seconds a client is asked to wait: about one connection timeout plus a restart's first seconds. */
    public static final int RETRY_AFTER_SECONDS = 5;

    /** PostgreSQL's "the server is shutting down or starting" states; class 08 is a lost or refused connection. */
    private static final Set<String> SHUTDOWN_STATES = Set.of("57P01", "57P02", "57P03");
    private static final String HIKARI_CLOSED = "Connection is closed";
    private static final int MAX_CAUSES = 20;

    private DatabaseUnavailable() {
    }

    /** Whether {@code e} or one of its causes says the database could not be reached. */
    public static boolean causedBy(Throwable e) {
        Throwable t = e;
        for (int depth = 0; t != null && depth < MAX_CAUSES; depth++, t = t.getCause()) {
            if (t instanceof DataAccessResourceFailureException || t instanceof TransientDataAccessResourceException
                    || t instanceof CannotCreateTransactionException || t instanceof SQLTransientConnectionException
                    || t instanceof SQLNonTransientConnectionException
                    || (t instanceof SQLException sql && lostConnection(sql))) {
                return true;
            }
        }
        return false;
    }

    private static boolean lostConnection(SQLException e) {
        String state = e.getSQLState();
        if (state != null) {
            return state.startsWith("08") || SHUTDOWN_STATES.contains(state);
        }
        // Hikari's stand-in for a connection it evicted after such an error: a rollback on it then fails with this
        // (no SQL state), and Spring reports the rollback's failure instead of the query's
        return e.getClass() == SQLException.class && HIKARI_CLOSED.equals(e.getMessage());
    }

    static ApiProblem problem() {
        return new ApiProblem(HttpStatus.SERVICE_UNAVAILABLE, "database_unavailable",
                "The database is unavailable; retry after " + RETRY_AFTER_SECONDS + " s")
                .with("retry_after_seconds", RETRY_AFTER_SECONDS);
    }
}
