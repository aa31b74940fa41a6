-- Hyperparameter sweeps. A sweep's trials are ordinary training jobs (training_jobs.sweep_id); the sweep row holds
-- its whole plan (every trial's settings, fixed at creation from the seed), so any process can submit the next
-- trial from the database alone, and a restart of every process loses nothing.
CREATE TABLE sweeps (
    id                    uuid PRIMARY KEY,
    tenant                text        NOT NULL,
    dataset_id            uuid        NOT NULL,
    model_id              text        NOT NULL,
    space                 jsonb       NOT NULL,
    strategy              text        NOT NULL CHECK (strategy IN ('grid', 'random', 'asha')),
    seed                  bigint      NOT NULL,
    max_trials            integer     NOT NULL CHECK (max_trials > 0),
    max_epochs_per_trial  integer     NOT NULL CHECK (max_epochs_per_trial > 0),
    parallelism           integer     NOT NULL CHECK (parallelism > 0),
    -- ASHA: rungs at min_epochs * eta^k below max_epochs_per_trial
    eta                   integer,
    min_epochs            integer,
    objective             text        NOT NULL,
    -- every trial's settings (a JSON array of training-job request fragments), in submission order
    plan                  jsonb       NOT NULL,
    status                text        NOT NULL CHECK (status IN ('running', 'succeeded', 'cancelled', 'failed')),
    waiting_for_quota     boolean     NOT NULL DEFAULT false,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    finished_at           timestamptz
);
CREATE INDEX sweep_tenant_listing_idx ON sweeps (tenant, created_at DESC, id DESC);
CREATE INDEX sweep_running_idx ON sweeps (id) WHERE status = 'running';

CREATE TABLE sweep_events (
    id          bigserial PRIMARY KEY,
    sweep_id    uuid        NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL,
    level       text        NOT NULL CHECK (level IN ('info', 'warning', 'error')),
    type        text        NOT NULL,
    message     text        NOT NULL,
    job_id      uuid
);
CREATE INDEX sweep_event_sweep_idx ON sweep_events (sweep_id, id);

-- A trial is a job of a sweep; its number is its index in the sweep's plan (one job per index).
ALTER TABLE training_jobs ADD COLUMN sweep_id uuid REFERENCES sweeps (id);
ALTER TABLE training_jobs ADD COLUMN sweep_trial integer;
ALTER TABLE training_jobs ADD CONSTRAINT training_job_one_per_trial UNIQUE (sweep_id, sweep_trial);
ALTER TABLE training_jobs ADD CONSTRAINT training_job_trial_numbered CHECK ((sweep_id IS NULL) = (sweep_trial IS NULL));
CREATE INDEX training_job_sweep_idx ON training_jobs (sweep_id) WHERE sweep_id IS NOT NULL;

-- 'stopped': ended early by the sweep's scheduler (ASHA), with its best prompt and its last checkpoint kept.
ALTER TABLE training_jobs DROP CONSTRAINT training_jobs_status_check;
ALTER TABLE training_jobs ADD CONSTRAINT training_jobs_status_check
    CHECK (status IN ('queued', 'running', 'cancelling', 'succeeded', 'failed', 'cancelled', 'stopped'));

-- ASHA's record: a trial's validation accuracy at each rung it reached, and the decision taken then (decided once:
-- an epoch repeated by a resumed attempt reads the same decision back).
CREATE TABLE sweep_rungs (
    sweep_id            uuid             NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,
    rung_epoch          integer          NOT NULL,
    job_id              uuid             NOT NULL REFERENCES training_jobs (id) ON DELETE CASCADE,
    validation_accuracy double precision NOT NULL,
    promoted            boolean          NOT NULL,
    recorded_at         timestamptz      NOT NULL,
    PRIMARY KEY (sweep_id, rung_epoch, job_id)
);
