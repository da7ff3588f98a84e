-- Which convolutions computed a model's descriptors: the SHA-256 (hex) of its first
-- convolution's weights and bias and its last convolution's bias, as float32 little-endian,
-- from the loaded weights. Files of one trained base (a Keras HDF5 file, its safetensors
-- copy) share it whatever their own checksum, so `duplicates` can tell whether a model's
-- GeM, R-MAC and pool5 vectors are those its thresholds were calibrated on. Models
-- recorded before this migration have none until the next scan with their weights.

ALTER TABLE model ADD COLUMN convolution_base TEXT;
