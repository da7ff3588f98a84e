-- What computed a model's results besides its weights file, preprocessing and resize policy:
--
-- convolution_base: which trained convolutions computed its descriptors, the SHA-256 (hex)
-- of its first convolution's weights and bias and its last convolution's bias as float32
-- little-endian, from the loaded weights. Files of one trained base (a Keras HDF5 file, its
-- safetensors copy) share it whatever their own checksum, so `duplicates` can tell whether a
-- model's GeM, R-MAC and pool5 vectors are those its thresholds were calibrated on. Models
-- recorded before this migration have none until the next scan with their weights.
--
-- precision: the arithmetic its convolutions ran in ('f32', 'bf16'). One model keeps one
-- precision, so all its vectors compare alike; models recorded before were float32.

ALTER TABLE model ADD COLUMN convolution_base TEXT;
ALTER TABLE model ADD COLUMN precision TEXT NOT NULL DEFAULT 'f32' CHECK (precision IN ('f32', 'bf16', 'int8'));
