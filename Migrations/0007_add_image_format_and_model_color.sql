-- image.format: the format the file's content was decoded as ('jpeg', 'png', 'heic',
-- 'avif', 'webp', 'tiff', 'raw'), for `status`; NULL for rows written before formats other
-- than JPEG and PNG were read, and for files that failed.
--
-- model.color: what the model's results did with embedded colour profiles: 'srgb' (converted
-- to sRGB through lcms2) or 'as-stored' (ignored). One model keeps one handling, so all its
-- vectors compare alike; models recorded before this migration ignored profiles (NULL reads
-- as 'as-stored').

ALTER TABLE image ADD COLUMN format TEXT;
ALTER TABLE model ADD COLUMN color TEXT CHECK (color IN ('srgb', 'as-stored'));
