-- Learned prompt tensors move to the object store: one object prompts/<id>/tensors-<nonce>.f32 (a fresh key per
-- write) holding the values and then the mask (little-endian float32 [3,H,W] each); the row keeps its key, size and
-- SHA-256. Rows written before this migration keep their bytes in prompt_values and mask and are read from there
-- (SQL cannot copy them to S3): a row has its tensors in exactly one of the two places.
ALTER TABLE prompts
    ALTER COLUMN prompt_values DROP NOT NULL,
    ALTER COLUMN mask DROP NOT NULL,
    ADD COLUMN tensor_key    text,
    ADD COLUMN tensor_bytes  bigint,
    ADD COLUMN tensor_sha256 text,
    ADD CONSTRAINT prompt_tensors_in_one_place CHECK (
        (tensor_key IS NULL AND tensor_bytes IS NULL AND tensor_sha256 IS NULL
            AND prompt_values IS NOT NULL AND mask IS NOT NULL)
        OR (tensor_key IS NOT NULL AND tensor_bytes = 2 * 4 * 3 * height * width AND tensor_sha256 IS NOT NULL
            AND prompt_values IS NULL AND mask IS NULL));
