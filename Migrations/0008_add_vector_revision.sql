-- What an approximate index needs to stay exact about what it holds.
--
-- vector_revision: one row, a counter that only grows. Every write transaction that stores
-- descriptors takes the next value and gives it to each row it writes (new, changed or
-- copied to a moved file), so "the rows with a revision above R" are exactly the rows
-- written after an approximate index that records R was built. `instance` names this index
-- for the files made from it, so a file beside another (or a restored) index is never
-- taken for its own.
--
-- descriptor.revision, feature.revision: the counter's value when the row was last written;
-- NULL for rows written before this migration, which every approximate index (built after
-- it) holds.
--
-- approximate_check: the recall that `vggbatch index check` measured on an approximate
-- index, by the build it measured, for `index status` and the line `similar` prints.
--
-- approximate_file: every approximate index file written from this index, by its build's
-- name and the revision it holds (the latest of each build). A file is used only if the
-- index knows it: one written from a later state than a restored backup's, or from a copy
-- of the index, is never taken for current.

CREATE TABLE vector_revision (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    instance TEXT NOT NULL,
    last INTEGER NOT NULL
) STRICT;

INSERT INTO vector_revision (id, instance, last) VALUES (1, lower(hex(randomblob(16))), 0);

ALTER TABLE descriptor ADD COLUMN revision INTEGER;

CREATE INDEX descriptor_revision ON descriptor (model_id, kind, revision);

ALTER TABLE feature ADD COLUMN revision INTEGER;

CREATE INDEX feature_revision ON feature (model_id, revision);

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

CREATE TABLE approximate_file (
    build TEXT NOT NULL,
    revision INTEGER NOT NULL,
    model_id INTEGER NOT NULL REFERENCES model(id),
    kind TEXT NOT NULL CHECK (kind IN ('network', 'gem', 'rmac')),
    written_at TEXT NOT NULL,
    PRIMARY KEY (build, revision)
) STRICT;
