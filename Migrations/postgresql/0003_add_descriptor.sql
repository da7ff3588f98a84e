-- Pooled descriptors of the last convolution (GeM and R-MAC, unit float32 vectors), as the
-- SQLite migration 0005_add_descriptor adds them; the next scan fills them for rows indexed
-- before.

CREATE TABLE descriptor (
    image_id BIGINT NOT NULL REFERENCES image(id) ON DELETE CASCADE,
    model_id BIGINT NOT NULL REFERENCES model(id),
    kind TEXT NOT NULL CHECK (kind IN ('gem', 'rmac')),
    dim BIGINT NOT NULL CHECK (dim > 0),
    vector BYTEA NOT NULL CHECK (length(vector) = 4 * dim),
    PRIMARY KEY (image_id, model_id, kind)
);
ALTER TABLE descriptor ALTER COLUMN vector SET STORAGE EXTERNAL;
