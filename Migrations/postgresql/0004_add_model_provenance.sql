-- What computed a model's results besides its weights file, preprocessing and resize policy
-- (which convolutions, in which precision), as the SQLite migration 0006_add_model_provenance
-- adds it.

ALTER TABLE model ADD COLUMN convolution_base TEXT;
ALTER TABLE model ADD COLUMN precision TEXT NOT NULL DEFAULT 'f32' CHECK (precision IN ('f32', 'bf16', 'int8'));
