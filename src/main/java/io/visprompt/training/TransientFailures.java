package io.visprompt.training;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.transaction.CannotCreateTransactionException;

/**
 * Tells errors of the environment that pass (a database restart, a refused or broken connection, a storage read
 * that failed) from errors of the job itself (bad data, a bad model), which would fail again on any worker. Only the
 * former are retried; a job is never failed for good because of one.
 */
final class TransientFailures {

    private TransientFailures() {
    }

    /** True when {@code error} or one of its causes is a transient database or I/O failure. */
    static boolean isTransient(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (isMissingFile(t)) {
                // a file the dataset lists is gone: the job's data, not the environment
                return false;
            }
            if (t instanceof TransientDataAccessException || t instanceof RecoverableDataAccessException
                    || t instanceof DataAccessResourceFailureException // includes CannotGetJdbcConnectionException
                    || t instanceof CannotCreateTransactionException
                    || t instanceof SQLTransientException || t instanceof SQLRecoverableException
                    || t instanceof ConnectException || t instanceof SocketException
                    || t instanceof SocketTimeoutException) {
                return true;
            }
            if (t instanceof SQLException sql && transientState(sql.getSQLState())) {
                return true;
            }
            if (t instanceof IOException && !hasMissingFileCause(t)) {
                return true;
            }
        }
        return false;
    }

    /**
     * SQLSTATE classes of a connection lost or refused (08), a server shutting down or starting (57P01-57P03),
     * insufficient resources (53), and serialization failures or deadlocks (40001, 40P01).
     */
    private static boolean transientState(String state) {
        return state != null && (state.startsWith("08") || state.startsWith("53") || state.startsWith("57P")
                || state.equals("40001") || state.equals("40P01"));
    }

    private static boolean isMissingFile(Throwable t) {
        return t instanceof NoSuchFileException || t instanceof FileNotFoundException
                || t instanceof AccessDeniedException;
    }

    private static boolean hasMissingFileCause(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (isMissingFile(t)) {
                return true;
            }
        }
        return false;
    }
}
