-- Uploaded image-classification datasets. Rows are written once, in the transaction that publishes the
-- dataset's files, and never updated; deleting a dataset removes its classes, images and rejected files.

CREATE TABLE datasets (
    id             uuid PRIMARY KEY,            -- UUIDv7: ordering by id is ordering by creation
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    split_mode     text NOT NULL CHECK (split_mode IN ('folders', 'seeded')),
    -- set when split_mode = 'seeded' (and for a val split carved out of train/ when the archive has no val/)
    val_fraction   double precision CHECK (val_fraction >= 0 AND val_fraction < 1),
    test_fraction  double precision CHECK (test_fraction >= 0 AND test_fraction < 1),
    split_seed     bigint,
    upload_bytes   bigint NOT NULL CHECK (upload_bytes >= 0),
    total_bytes    bigint NOT NULL CHECK (total_bytes >= 0), -- bytes of the stored PNG files
    created_at     timestamptz NOT NULL
);

-- One row per class; label is the class's index in the sorted list of class folder names.
CREATE TABLE dataset_classes (
    dataset_id   uuid NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    label        integer NOT NULL CHECK (label >= 0),
    name         text NOT NULL,
    train_count  integer NOT NULL CHECK (train_count >= 0),
    val_count    integer NOT NULL CHECK (val_count >= 0),
    test_count   integer NOT NULL CHECK (test_count >= 0),
    PRIMARY KEY (dataset_id, label),
    UNIQUE (dataset_id, name)
);

-- Images are allocated ids in blocks (Hibernate's pooled optimizer) so large datasets insert in batches.
CREATE SEQUENCE dataset_images_seq INCREMENT BY 500;

CREATE TABLE dataset_images (
    id           bigint PRIMARY KEY,
    dataset_id   uuid NOT NULL,
    split        text NOT NULL CHECK (split IN ('train', 'val', 'test')),
    position     integer NOT NULL CHECK (position >= 0), -- stable order within (dataset, split)
    label        integer NOT NULL,
    file_path    text NOT NULL,                          -- relative to the dataset's storage directory
    width        integer NOT NULL CHECK (width > 0),
    height       integer NOT NULL CHECK (height > 0),
    byte_size    bigint NOT NULL CHECK (byte_size > 0),
    source_path  text NOT NULL,                          -- the entry's path inside the uploaded archive
    FOREIGN KEY (dataset_id, label) REFERENCES dataset_classes (dataset_id, label) ON DELETE CASCADE,
    UNIQUE (dataset_id, split, position),
    UNIQUE (dataset_id, file_path)
);

-- Archive entries that were not imported, with a stable reason code (undecodable_image, image_too_large, ...).
CREATE TABLE dataset_rejected_files (
    dataset_id  uuid NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    position    integer NOT NULL CHECK (position >= 0),   -- order of the entry in the archive
    path        text NOT NULL,
    reason      text NOT NULL,
    PRIMARY KEY (dataset_id, position)
);
