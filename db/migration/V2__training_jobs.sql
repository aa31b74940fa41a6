-- Training jobs. The table is also the work queue: workers claim queued rows with FOR UPDATE SKIP LOCKED,
-- hold a lease renewed by heartbeats, and fence every write with (lease_owner, attempt).
CREATE TABLE training_jobs (
    id                  uuid PRIMARY KEY,
    dataset_id          uuid        NOT NULL,
    model_id            text        NOT NULL,
    spec                jsonb       NOT NULL,
    status              text        NOT NULL CHECK (status IN ('queued', 'running', 'cancelling', 'succeeded', 'failed', 'cancelled')),
    phase               text,
    attempt             integer     NOT NULL DEFAULT 0,
    max_attempts        integer     NOT NULL CHECK (max_attempts > 0),
    lost_leases         integer     NOT NULL DEFAULT 0,
    lease_owner         text,
    lease_expires_at    timestamptz,
    heartbeat_at        timestamptz,
    epoch               integer     NOT NULL DEFAULT 0,
    epochs              integer     NOT NULL,
    step                bigint      NOT NULL DEFAULT 0,
    total_steps         bigint,
    attempt_started_at  timestamptz,
    attempt_start_step  bigint,
    result              jsonb,
    error               text,
    idempotency_key     text UNIQUE,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    started_at          timestamptz,
    finished_at         timestamptz,
    CHECK ((status IN ('running', 'cancelling')) = (lease_owner IS NOT NULL))
);

CREATE INDEX training_job_queued_idx ON training_jobs (created_at, id) WHERE status = 'queued';
CREATE INDEX training_job_lease_idx ON training_jobs (lease_expires_at) WHERE status IN ('running', 'cancelling');
CREATE INDEX training_job_listing_idx ON training_jobs (created_at DESC, id DESC);
CREATE INDEX training_job_dataset_idx ON training_jobs (dataset_id);

CREATE TABLE training_job_events (
    id          bigserial PRIMARY KEY,
    job_id      uuid        NOT NULL REFERENCES training_jobs (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL,
    level       text        NOT NULL CHECK (level IN ('info', 'warning', 'error')),
    type        text        NOT NULL,
    message     text        NOT NULL,
    data        jsonb
);
CREATE INDEX training_job_event_job_idx ON training_job_events (job_id, id);

CREATE TABLE training_job_metrics (
    job_id               uuid             NOT NULL REFERENCES training_jobs (id) ON DELETE CASCADE,
    epoch                integer          NOT NULL,
    train_loss           double precision NOT NULL,
    train_accuracy       double precision NOT NULL,
    validation_accuracy  double precision,
    learning_rate        double precision NOT NULL,
    images_per_second    double precision NOT NULL,
    duration_ms          bigint           NOT NULL,
    created_at           timestamptz      NOT NULL,
    PRIMARY KEY (job_id, epoch)
);

-- The latest checkpoint of a job; a requeued job resumes from it.
CREATE TABLE training_job_checkpoints (
    job_id            uuid        PRIMARY KEY REFERENCES training_jobs (id) ON DELETE CASCADE,
    attempt           integer     NOT NULL,
    completed_epochs  integer     NOT NULL,
    step              bigint      NOT NULL,
    state             bytea       NOT NULL,
    created_at        timestamptz NOT NULL
);
