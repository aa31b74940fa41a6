package io.visprompt.training;

/** Thrown into a running job when its lease was taken over: the worker stops and writes nothing more. */
class LeaseLost extends RuntimeException {
    LeaseLost(Lease lease) {
        super("Lease on job " + lease.jobId() + " (worker " + lease.worker() + ", attempt " + lease.attempt() + ") was lost");
    }
}
