-- Learned prompts: one per succeeded training job (or imported), stored as raw little-endian float32 [3,H,W].
CREATE TABLE prompts (
    id                       uuid PRIMARY KEY,
    job_id                   uuid UNIQUE,
    dataset_id               uuid,
    model_id                 text             NOT NULL,
    template                 text             NOT NULL,
    size                     integer          NOT NULL,
    placement                text             NOT NULL,
    height                   integer          NOT NULL,
    width                    integer          NOT NULL,
    prompt_values            bytea            NOT NULL,
    mask                     bytea            NOT NULL,
    class_names              text[]           NOT NULL,
    label_mapping            integer[],
    text_templates           text[],
    validation_accuracy      double precision,
    zero_shot_test_accuracy  double precision,
    prompted_test_accuracy   double precision,
    created_at               timestamptz      NOT NULL,
    CHECK (octet_length(prompt_values) = 4 * 3 * height * width),
    CHECK (octet_length(mask) = 4 * 3 * height * width)
);
CREATE INDEX prompt_listing_idx ON prompts (created_at DESC, id DESC);
