-- Remote models: classifiers that live behind an Open Inference Protocol v2 REST endpoint and can only be queried.
-- Owned by a tenant. The auth secret is never stored: only where to read it (an environment variable's name or a
-- file under the configured secret directory), read again at each use.
CREATE TABLE remote_models (
    tenant          text        NOT NULL,
    name            text        NOT NULL,
    url             text        NOT NULL,
    remote_name     text        NOT NULL,
    input_name      text        NOT NULL,
    input_shape     bigint[]    NOT NULL,
    input_datatype  text        NOT NULL,
    input_layout    text        NOT NULL CHECK (input_layout IN ('NCHW', 'NHWC')),
    output_name     text        NOT NULL,
    output_kind     text        NOT NULL CHECK (output_kind IN ('logits', 'probabilities')),
    input_size      integer     NOT NULL,
    resize          integer     NOT NULL,
    mean            real[],
    std             real[],
    class_names     text[]      NOT NULL,
    auth_header     text,
    auth_env        text,
    auth_file       text,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (tenant, name),
    CHECK (auth_env IS NULL OR auth_file IS NULL)
);

-- What a black-box job has spent: written with the job's progress, under its lease.
CREATE TABLE training_job_queries (
    job_id              uuid PRIMARY KEY REFERENCES training_jobs (id) ON DELETE CASCADE,
    queries             bigint           NOT NULL,
    query_budget        bigint           NOT NULL,
    planned_queries     bigint           NOT NULL,
    mean_latency_ms     double precision NOT NULL,
    queries_per_second  double precision NOT NULL,
    eta_seconds         bigint,
    retries             bigint           NOT NULL DEFAULT 0,
    errors              bigint           NOT NULL DEFAULT 0,
    updated_at          timestamptz      NOT NULL
);
