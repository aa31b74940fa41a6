package io.visprompt.training;

import java.util.UUID;

/**
 * A worker's claim on a job. {@code (worker, attempt)} is the fencing token: every write by the worker names it,
 * so a worker whose lease expired and was taken over cannot change the job any more.
 */
record Lease(UUID jobId, String worker, int attempt) {
}
