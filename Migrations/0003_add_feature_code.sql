-- int8 copies of the fc7 vectors for exact similarity search. Each image's fc7 vector v,
-- scaled to unit length, is kept as scale × code (dim signed bytes, |code| <= 127) with
-- error >= ‖v − scale × code‖. For any unit query q the exact cosine q·v lies within
-- ±error of scale × (q·code), so `similar` scores every image from these rows (4 KB an
-- image at dim 4096, read in one pass) and reads the float32 vector only for the few
-- images whose interval can still reach its results. Written with the feature itself;
-- rows of indexes made before this migration are filled in by the next scan, and searched
-- from their float32 vectors until then.

CREATE TABLE feature_code (
    image_id INTEGER NOT NULL REFERENCES image(id) ON DELETE CASCADE,
    model_id INTEGER NOT NULL REFERENCES model(id),
    scale REAL NOT NULL CHECK (scale >= 0),
    error REAL NOT NULL CHECK (error >= 0),
    code BLOB NOT NULL,
    PRIMARY KEY (image_id, model_id)
) STRICT;
