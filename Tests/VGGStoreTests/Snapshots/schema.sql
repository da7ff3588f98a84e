-- The schema of a fully migrated vggbatch index, one entry per row of
-- SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name
-- Checked by SchemaTests.schemaMatchesTheSnapshot. After adding a migration, regenerate it with
-- VGGBATCH_UPDATE_SNAPSHOTS=1 swift test --filter SchemaTests and review the diff.

-- index descriptor_revision on descriptor
CREATE INDEX descriptor_revision ON descriptor (model_id, kind, revision);

-- index feature_revision on feature
CREATE INDEX feature_revision ON feature (model_id, revision);

-- index image_fingerprint on image
CREATE INDEX image_fingerprint ON image (fingerprint);

-- index image_status on image
CREATE INDEX image_status ON image (status);

-- index prediction_class on prediction
CREATE INDEX prediction_class ON prediction (model_id, rank, class_index);

-- table approximate_check on approximate_check
CREATE TABLE approximate_check (
    model_id INTEGER NOT NULL REFERENCES model(id),
    kind TEXT NOT NULL CHECK (kind IN ('network', 'gem', 'rmac')),
    build TEXT NOT NULL,
    checked_at TEXT NOT NULL,
    queries INTEGER NOT NULL CHECK (queries > 0),
    probes INTEGER NOT NULL CHECK (probes > 0),
    recall_at_1 REAL NOT NULL,
    recall_at_10 REAL NOT NULL,
    PRIMARY KEY (model_id, kind)
) STRICT;

-- table approximate_file on approximate_file
CREATE TABLE approximate_file (
    build TEXT NOT NULL,
    revision INTEGER NOT NULL,
    model_id INTEGER NOT NULL REFERENCES model(id),
    kind TEXT NOT NULL CHECK (kind IN ('network', 'gem', 'rmac')),
    written_at TEXT NOT NULL,
    PRIMARY KEY (build, revision)
) STRICT;

-- table descriptor on descriptor
CREATE TABLE descriptor (
    image_id INTEGER NOT NULL REFERENCES image(id) ON DELETE CASCADE,
    model_id INTEGER NOT NULL REFERENCES model(id),
    kind TEXT NOT NULL CHECK (kind IN ('gem', 'rmac')),
    dim INTEGER NOT NULL CHECK (dim > 0),
    vector BLOB NOT NULL CHECK (length(vector) = 4 * dim), revision INTEGER,
    PRIMARY KEY (image_id, model_id, kind)
) STRICT;

-- table feature on feature
CREATE TABLE feature (
    image_id INTEGER NOT NULL REFERENCES image(id) ON DELETE CASCADE,
    model_id INTEGER NOT NULL REFERENCES model(id),
    dim INTEGER NOT NULL CHECK (dim > 0),
    vector BLOB NOT NULL CHECK (length(vector) = 4 * dim), revision INTEGER,
    PRIMARY KEY (image_id, model_id)
) STRICT;

-- table feature_basis on feature_basis
CREATE TABLE feature_basis (
    model_id INTEGER PRIMARY KEY REFERENCES model(id),
    rank INTEGER NOT NULL CHECK (rank > 0),
    dim INTEGER NOT NULL CHECK (dim > 0),
    rows BLOB NOT NULL CHECK (length(rows) = 4 * rank * dim),
    sample_count INTEGER NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

-- table feature_code on feature_code
CREATE TABLE feature_code (
    image_id INTEGER NOT NULL REFERENCES image(id) ON DELETE CASCADE,
    model_id INTEGER NOT NULL REFERENCES model(id),
    scale REAL NOT NULL CHECK (scale >= 0),
    error REAL NOT NULL CHECK (error >= 0),
    code BLOB NOT NULL,
    PRIMARY KEY (image_id, model_id)
) STRICT;

-- table feature_projection on feature_projection
CREATE TABLE feature_projection (
    image_id INTEGER NOT NULL REFERENCES image(id) ON DELETE CASCADE,
    model_id INTEGER NOT NULL REFERENCES model(id),
    coordinates BLOB NOT NULL,
    residual REAL NOT NULL CHECK (residual >= 0),
    PRIMARY KEY (image_id, model_id)
) STRICT;

-- table image on image
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
    last_seen_run INTEGER, format TEXT,
    UNIQUE (root_id, relative_path)
) STRICT;

-- table image_tally on image_tally
CREATE TABLE image_tally (
    root_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    format TEXT NOT NULL,
    images INTEGER NOT NULL,
    PRIMARY KEY (root_id, status, format)
) STRICT;

-- table label_tally on label_tally
CREATE TABLE label_tally (
    model_id INTEGER NOT NULL,
    class_index INTEGER NOT NULL,
    images INTEGER NOT NULL,
    PRIMARY KEY (model_id, class_index)
) STRICT;

-- table model on model
CREATE TABLE model (
    id INTEGER PRIMARY KEY,
    weights_sha256 TEXT NOT NULL,
    name TEXT,
    architecture TEXT NOT NULL,
    preprocessing TEXT NOT NULL,
    resize_policy TEXT NOT NULL,
    feature_dim INTEGER NOT NULL,
    created_at TEXT NOT NULL, weights_path BLOB, weights_size INTEGER, weights_mtime_ns INTEGER, convolution_base TEXT, precision TEXT NOT NULL DEFAULT 'f32' CHECK (precision IN ('f32', 'bf16', 'int8')), color TEXT CHECK (color IN ('srgb', 'as-stored')),
    UNIQUE (weights_sha256, preprocessing, resize_policy)
) STRICT;

-- table prediction on prediction
CREATE TABLE prediction (
    image_id INTEGER NOT NULL REFERENCES image(id) ON DELETE CASCADE,
    model_id INTEGER NOT NULL REFERENCES model(id),
    rank INTEGER NOT NULL CHECK (rank BETWEEN 1 AND 5),
    class_index INTEGER NOT NULL CHECK (class_index >= 0),
    probability REAL NOT NULL,
    PRIMARY KEY (image_id, model_id, rank)
) STRICT, WITHOUT ROWID;

-- table root on root
CREATE TABLE root (
    id INTEGER PRIMARY KEY,
    path BLOB NOT NULL UNIQUE,
    added_at TEXT NOT NULL
) STRICT;

-- table scan_run on scan_run
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
, touched_count INTEGER NOT NULL DEFAULT 0, computed_count INTEGER NOT NULL DEFAULT 0, held_back_count INTEGER NOT NULL DEFAULT 0) STRICT;

-- table schema_migration on schema_migration
CREATE TABLE schema_migration (
    identifier TEXT NOT NULL PRIMARY KEY,
    applied_at TEXT NOT NULL
) STRICT;

-- table vector_revision on vector_revision
CREATE TABLE vector_revision (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    instance TEXT NOT NULL,
    last INTEGER NOT NULL
) STRICT;

-- table vector_tally on vector_tally
CREATE TABLE vector_tally (
    model_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    vectors INTEGER NOT NULL,
    PRIMARY KEY (model_id, kind)
) STRICT;

-- trigger image_tally_delete on image
CREATE TRIGGER image_tally_delete AFTER DELETE ON image BEGIN
    UPDATE image_tally SET images = images - 1
    WHERE root_id = OLD.root_id AND status = OLD.status AND format = COALESCE(OLD.format, '');
END;

-- trigger image_tally_insert on image
CREATE TRIGGER image_tally_insert AFTER INSERT ON image BEGIN
    INSERT INTO image_tally (root_id, status, format, images) VALUES (NEW.root_id, NEW.status, COALESCE(NEW.format, ''), 1)
        ON CONFLICT (root_id, status, format) DO UPDATE SET images = images + 1;
END;

-- trigger image_tally_update on image
CREATE TRIGGER image_tally_update AFTER UPDATE OF root_id, status, format ON image
WHEN OLD.root_id IS NOT NEW.root_id OR OLD.status IS NOT NEW.status OR OLD.format IS NOT NEW.format BEGIN
    UPDATE image_tally SET images = images - 1
    WHERE root_id = OLD.root_id AND status = OLD.status AND format = COALESCE(OLD.format, '');
    INSERT INTO image_tally (root_id, status, format, images) VALUES (NEW.root_id, NEW.status, COALESCE(NEW.format, ''), 1)
        ON CONFLICT (root_id, status, format) DO UPDATE SET images = images + 1;
END;

-- trigger label_tally_delete on prediction
CREATE TRIGGER label_tally_delete AFTER DELETE ON prediction WHEN OLD.rank = 1 BEGIN
    UPDATE label_tally SET images = images - 1 WHERE model_id = OLD.model_id AND class_index = OLD.class_index;
END;

-- trigger label_tally_insert on prediction
CREATE TRIGGER label_tally_insert AFTER INSERT ON prediction WHEN NEW.rank = 1 BEGIN
    INSERT INTO label_tally (model_id, class_index, images) VALUES (NEW.model_id, NEW.class_index, 1)
        ON CONFLICT (model_id, class_index) DO UPDATE SET images = images + 1;
END;

-- trigger label_tally_update on prediction
CREATE TRIGGER label_tally_update AFTER UPDATE OF model_id, rank, class_index ON prediction
WHEN (OLD.rank = 1 OR NEW.rank = 1) AND (OLD.model_id IS NOT NEW.model_id OR OLD.rank IS NOT NEW.rank OR OLD.class_index IS NOT NEW.class_index) BEGIN
    UPDATE label_tally SET images = images - 1 WHERE OLD.rank = 1 AND model_id = OLD.model_id AND class_index = OLD.class_index;
    INSERT INTO label_tally (model_id, class_index, images) SELECT NEW.model_id, NEW.class_index, 1 WHERE NEW.rank = 1
        ON CONFLICT (model_id, class_index) DO UPDATE SET images = images + 1;
END;

-- trigger vector_tally_descriptor_delete on descriptor
CREATE TRIGGER vector_tally_descriptor_delete AFTER DELETE ON descriptor BEGIN
    UPDATE vector_tally SET vectors = vectors - 1 WHERE model_id = OLD.model_id AND kind = OLD.kind;
END;

-- trigger vector_tally_descriptor_insert on descriptor
CREATE TRIGGER vector_tally_descriptor_insert AFTER INSERT ON descriptor BEGIN
    INSERT INTO vector_tally (model_id, kind, vectors) VALUES (NEW.model_id, NEW.kind, 1)
        ON CONFLICT (model_id, kind) DO UPDATE SET vectors = vectors + 1;
END;

-- trigger vector_tally_feature_delete on feature
CREATE TRIGGER vector_tally_feature_delete AFTER DELETE ON feature BEGIN
    UPDATE vector_tally SET vectors = vectors - 1 WHERE model_id = OLD.model_id AND kind = 'feature';
END;

-- trigger vector_tally_feature_insert on feature
CREATE TRIGGER vector_tally_feature_insert AFTER INSERT ON feature BEGIN
    INSERT INTO vector_tally (model_id, kind, vectors) VALUES (NEW.model_id, 'feature', 1)
        ON CONFLICT (model_id, kind) DO UPDATE SET vectors = vectors + 1;
END;
