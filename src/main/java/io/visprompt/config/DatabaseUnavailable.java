package io.visprompt.config;

import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * PostgreSQL cannot be reached (down, restarting, the pool found no connection within
 * {@code spring.datasource.hikari.connection-timeout}): 503 problem+json with code {@code database_unavailable} and
 * {@code Retry-After}, not a 500, so clients and load balancers retry. Ordered before {@code ProblemResponses},
 * whose catch-all would otherwise answer 500.
 */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
public final class DatabaseUnavailable {

    /** Seconds a client is asked to wait: about one connection timeout plus a restart's first seconds. */
    static final int RETRY_AFTER_SECONDS = 5;

    /** Whether {@code e} (or one of its causes) says the database could not be reached. */
    public static boolean causedBy(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof DataAccessResourceFailureException || t instanceof TransientDataAccessResourceException
                    || t instanceof CannotCreateTransactionException || t instanceof SQLTransientConnectionException
                    || t instanceof SQLNonTransientConnectionException) {
                return true;
            }
        }
        return false;
    }

    @ExceptionHandler({DataAccessResourceFailureException.class, TransientDataAccessResourceException.class,
            CannotCreateTransactionException.class})
    ResponseEntity<ProblemDetail> databaseUnavailable(Exception e, HttpServletRequest request) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                "The database is unavailable; retry after " + RETRY_AFTER_SECONDS + " s");
        body.setProperty("code", "database_unavailable");
        body.setProperty("retry_after_seconds", RETRY_AFTER_SECONDS);
        if (request.getRequestURI().startsWith("/v2/")) {
            body.setProperty("error", body.getDetail()); // Open Inference Protocol clients read error
        }
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header(HttpHeaders.RETRY_AFTER, Integer.toString(RETRY_AFTER_SECONDS))
                .contentType(MediaType.APPLICATION_PROBLEM_JSON).body(body);
    }
}
