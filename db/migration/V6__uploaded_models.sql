-- Models uploaded through POST /v1/models (multipart). The files live in the object store under models/<id>/;
-- this row is what the service knows about them. A model belongs to its tenant; models from configuration have no
-- row. A row exists only for a model that passed validation and whose files were all stored.
CREATE TABLE uploaded_models (
    id          uuid PRIMARY KEY,
    tenant      text        NOT NULL,
    name        text        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('classifier', 'clip')),
    -- the model.json written beside the files: input_size, resize, mean, std, labels or templates, ...
    metadata    jsonb       NOT NULL,
    -- file name -> size in bytes, every file under models/<id>/
    files       jsonb       NOT NULL,
    size_bytes  bigint      NOT NULL CHECK (size_bytes > 0),
    sha256      text        NOT NULL,
    created_at  timestamptz NOT NULL,
    UNIQUE (tenant, name)
);

CREATE INDEX uploaded_model_listing_idx ON uploaded_models (tenant, created_at DESC, id DESC);
CREATE INDEX training_job_model_idx ON training_jobs (model_id) WHERE status IN ('queued', 'running', 'cancelling');
