-- The twin of the SQLite migration 0008_add_vector_revision (see there).
--
-- vector_revision is a sequence here: many workers write at once. A write transaction takes
-- pg_advisory_xact_lock_shared on the key vggbatch uses for revisions before it draws a value,
-- and an approximate index build takes the same lock exclusively while it reads the sequence,
-- so no row with a revision at or below the value it records can commit after it.

CREATE SEQUENCE vector_revision;

CREATE TABLE index_instance (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    instance TEXT NOT NULL
);

INSERT INTO index_instance (id, instance) VALUES (1, md5(random()::text || clock_timestamp()::text));

ALTER TABLE descriptor ADD COLUMN revision BIGINT;

CREATE INDEX descriptor_revision ON descriptor (model_id, kind, revision);

ALTER TABLE feature ADD COLUMN revision BIGINT;

CREATE INDEX feature_revision ON feature (model_id, revision);

CREATE TABLE approximate_check (
    model_id BIGINT NOT NULL REFERENCES model(id),
    kind TEXT NOT NULL CHECK (kind IN ('network', 'gem', 'rmac')),
    build TEXT NOT NULL,
    checked_at TEXT NOT NULL,
    queries BIGINT NOT NULL CHECK (queries > 0),
    probes BIGINT NOT NULL CHECK (probes > 0),
    recall_at_1 DOUBLE PRECISION NOT NULL,
    recall_at_10 DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (model_id, kind)
);

CREATE TABLE approximate_file (
    build TEXT NOT NULL,
    revision BIGINT NOT NULL,
    model_id BIGINT NOT NULL REFERENCES model(id),
    kind TEXT NOT NULL CHECK (kind IN ('network', 'gem', 'rmac')),
    written_at TEXT NOT NULL,
    PRIMARY KEY (build, revision)
);
