-- Compact search data. For each model, an orthonormal basis learned from its fc7 vectors
-- (rank rows of dim float32); for each image, its unit fc7 vector's coordinates in that
-- basis and the norm of the part the basis leaves out. `similar` and `duplicates` load these
-- (1 KB an image instead of 16 KB) and use coordinates plus residual norms as an exact upper
-- bound on every cosine, reading full vectors only for the few candidates that can win.

CREATE TABLE feature_basis (
    model_id INTEGER PRIMARY KEY REFERENCES model(id),
    rank INTEGER NOT NULL CHECK (rank > 0),
    dim INTEGER NOT NULL CHECK (dim > 0),
    rows BLOB NOT NULL CHECK (length(rows) = 4 * rank * dim),
    sample_count INTEGER NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE feature_projection (
    image_id INTEGER NOT NULL REFERENCES image(id) ON DELETE CASCADE,
    model_id INTEGER NOT NULL REFERENCES model(id),
    coordinates BLOB NOT NULL,
    residual REAL NOT NULL CHECK (residual >= 0),
    PRIMARY KEY (image_id, model_id)
) STRICT;
