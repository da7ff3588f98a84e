-- The index: scan roots, one row per image file, the models results were computed with,
-- top-5 predictions and fc7 features per image and model, and a record of every scan.
-- Paths are BLOBs of the file system's bytes, so names that are not UTF-8 survive.

CREATE TABLE root (
    id INTEGER PRIMARY KEY,
    path BLOB NOT NULL UNIQUE,
    added_at TEXT NOT NULL
) STRICT;

CREATE TABLE image (
    id INTEGER PRIMARY KEY,
    root_id INTEGER NOT NULL REFERENCES root(id),
    relative_path BLOB NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    inode INTEGER NOT NULL,
    device INTEGER NOT NULL,
    fingerprint BLOB,
    width INTEGER,
    height INTEGER,
    status TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'missing')),
    failure_reason TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    last_seen_run INTEGER,
    UNIQUE (root_id, relative_path)
) STRICT;

CREATE INDEX image_fingerprint ON image (fingerprint);
CREATE INDEX image_status ON image (status);

CREATE TABLE model (
    id INTEGER PRIMARY KEY,
    weights_sha256 TEXT NOT NULL,
    name TEXT,
    architecture TEXT NOT NULL,
    preprocessing TEXT NOT NULL,
    resize_policy TEXT NOT NULL,
    feature_dim INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (weights_sha256, preprocessing, resize_policy)
) STRICT;

CREATE TABLE prediction (
    image_id INTEGER NOT NULL REFERENCES image(id) ON DELETE CASCADE,
    model_id INTEGER NOT NULL REFERENCES model(id),
    rank INTEGER NOT NULL CHECK (rank BETWEEN 1 AND 5),
    class_index INTEGER NOT NULL CHECK (class_index >= 0),
    probability REAL NOT NULL,
    PRIMARY KEY (image_id, model_id, rank)
) STRICT, WITHOUT ROWID;

CREATE INDEX prediction_class ON prediction (model_id, rank, class_index);

CREATE TABLE feature (
    image_id INTEGER NOT NULL REFERENCES image(id) ON DELETE CASCADE,
    model_id INTEGER NOT NULL REFERENCES model(id),
    dim INTEGER NOT NULL CHECK (dim > 0),
    vector BLOB NOT NULL CHECK (length(vector) = 4 * dim),
    PRIMARY KEY (image_id, model_id)
) STRICT;

CREATE TABLE scan_run (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    options TEXT NOT NULL,
    model_id INTEGER REFERENCES model(id),
    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'interrupted', 'failed')),
    new_count INTEGER NOT NULL DEFAULT 0,
    changed_count INTEGER NOT NULL DEFAULT 0,
    unchanged_count INTEGER NOT NULL DEFAULT 0,
    moved_count INTEGER NOT NULL DEFAULT 0,
    failed_count INTEGER NOT NULL DEFAULT 0,
    missing_count INTEGER NOT NULL DEFAULT 0
) STRICT;
