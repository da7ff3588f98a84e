-- The decoded format of each image and the colour handling of each model, as the SQLite
-- migration 0007_add_image_format_and_model_color adds them.

ALTER TABLE image ADD COLUMN format TEXT;
ALTER TABLE model ADD COLUMN color TEXT CHECK (color IN ('srgb', 'as-stored'));
