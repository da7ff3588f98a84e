-- Which convolutions computed a model's descriptors, as the SQLite migration
-- 0006_add_convolution_base adds it.

ALTER TABLE model ADD COLUMN convolution_base TEXT;
