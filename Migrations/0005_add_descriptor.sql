-- Pooled descriptors of the last convolution (conv5_3 after its ReLU), computed in the same
-- forward pass as the feature vector, for full and convolutions-only models alike: GeM
-- (generalised mean, p = 3) and R-MAC (regional maxima at three scales), each one float per
-- channel (512 for VGG16), unit length, little-endian float32. Instance-level search ("the
-- same scene or object, edited") works better on them than on fc7.
--
-- Rows of indexes made before this migration have none; their fc7 vectors stay as they are
-- and are still searched, and the next scan computes the files again to fill these in.

CREATE TABLE descriptor (
    image_id INTEGER NOT NULL REFERENCES image(id) ON DELETE CASCADE,
    model_id INTEGER NOT NULL REFERENCES model(id),
    kind TEXT NOT NULL CHECK (kind IN ('gem', 'rmac')),
    dim INTEGER NOT NULL CHECK (dim > 0),
    vector BLOB NOT NULL CHECK (length(vector) = 4 * dim),
    PRIMARY KEY (image_id, model_id, kind)
) STRICT;
