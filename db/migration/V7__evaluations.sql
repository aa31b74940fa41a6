-- Evaluations share the one work queue with training: a job row has a kind, and workers claim any kind with the
-- same lease, fencing, heartbeat, reaper and cancel. The training-jobs API shows only kind 'training'.
ALTER TABLE training_jobs ADD COLUMN kind text NOT NULL DEFAULT 'training'
    CHECK (kind IN ('training', 'evaluation'));
CREATE INDEX training_job_tenant_kind_listing_idx ON training_jobs (tenant, kind, created_at DESC, id DESC);

-- The full report of a succeeded evaluation, written in the transaction that marks its job succeeded. "report"
-- holds every number with the prompt and, for a prompt, without it; "errors" the misclassified examples, the most
-- confident mistakes first.
CREATE TABLE evaluation_results (
    job_id       uuid        PRIMARY KEY REFERENCES training_jobs (id) ON DELETE CASCADE,
    tenant       text        NOT NULL,
    class_names  text[]      NOT NULL,
    report       jsonb       NOT NULL,
    errors       jsonb       NOT NULL,
    created_at   timestamptz NOT NULL
);
