-- Access control: every dataset, training job and prompt belongs to a tenant; API keys (stored as a prefix and
-- the SHA-256 of their secret, never the secret) belong to one too; and mutating requests leave an audit trail.
-- Rows from before tenants belong to 'default'. The defaults are dropped again so that the application must name
-- the tenant of every new row.

ALTER TABLE datasets ADD COLUMN tenant text NOT NULL DEFAULT 'default';
ALTER TABLE datasets ALTER COLUMN tenant DROP DEFAULT;
CREATE INDEX dataset_tenant_listing_idx ON datasets (tenant, id DESC);

ALTER TABLE training_jobs ADD COLUMN tenant text NOT NULL DEFAULT 'default';
ALTER TABLE training_jobs ALTER COLUMN tenant DROP DEFAULT;
-- An Idempotency-Key is the caller's own: the same key from another tenant is another job.
ALTER TABLE training_jobs DROP CONSTRAINT training_jobs_idempotency_key_key;
ALTER TABLE training_jobs ADD CONSTRAINT training_job_tenant_idempotency_key UNIQUE (tenant, idempotency_key);
CREATE INDEX training_job_tenant_listing_idx ON training_jobs (tenant, created_at DESC, id DESC);
-- the concurrent-jobs quota counts these
CREATE INDEX training_job_tenant_active_idx ON training_jobs (tenant) WHERE status IN ('queued', 'running', 'cancelling');

-- A prompt learned by a job has the job's tenant; an imported one the importer's.
ALTER TABLE prompts ADD COLUMN tenant text NOT NULL DEFAULT 'default';
ALTER TABLE prompts ALTER COLUMN tenant DROP DEFAULT;
CREATE INDEX prompt_tenant_listing_idx ON prompts (tenant, created_at DESC, id DESC);

-- A key reads vp_<prefix>_<secret>. The prefix finds the row; the secret is compared by its SHA-256.
CREATE TABLE api_keys (
    prefix        text PRIMARY KEY CHECK (prefix ~ '^[A-Za-z0-9]{4,32}$'),
    secret_sha256 bytea       NOT NULL CHECK (octet_length(secret_sha256) = 32),
    name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    tenant        text        NOT NULL CHECK (tenant ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
    scopes        text[]      NOT NULL CHECK (cardinality(scopes) > 0),
    -- api: POST /v1/api-keys; generated: the first admin key, written to a file; configured: visprompt.security.bootstrap-key
    origin        text        NOT NULL CHECK (origin IN ('api', 'generated', 'configured')),
    created_at    timestamptz NOT NULL,
    last_used_at  timestamptz,             -- to within the key cache's time to live
    revoked_at    timestamptz
);
-- Only ever one generated key, even when several processes start on an empty database at once.
CREATE UNIQUE INDEX api_key_one_generated_idx ON api_keys (origin) WHERE origin = 'generated';
CREATE INDEX api_key_listing_idx ON api_keys (created_at DESC, prefix DESC);

-- Mutating requests (refused ones too) and key changes. method, path and status are null for events that no
-- request caused (the bootstrap key).
CREATE TABLE audit_events (
    id             bigserial   PRIMARY KEY,
    at             timestamptz NOT NULL,
    tenant         text,                    -- null when the caller was not authenticated
    key_prefix     text,                    -- the prefix the caller presented, known or not
    method         text,
    path           text,
    resource_type  text,
    resource_id    text,
    action         text        NOT NULL,
    status         integer
);
CREATE INDEX audit_event_tenant_idx ON audit_events (tenant, id DESC);
