-- Where each model's weights were last found, so that the commands that need the network
-- (a rescan without --weights, `similar` with a photo outside the index, `classify`) use
-- the index's own model rather than the default download: the path as file-system bytes,
-- and its size and modification time when it was last loaded (a file that changed is
-- noticed before it is hashed). weights_sha256 stays the model's identity; a file found
-- at this path is used only if its SHA-256 is still that one.
--
-- Scan runs also count touched files (same content, new size, time or inode) and the
-- images run through the network, which the summary reports apart from "changed".

ALTER TABLE model ADD COLUMN weights_path BLOB;
ALTER TABLE model ADD COLUMN weights_size INTEGER;
ALTER TABLE model ADD COLUMN weights_mtime_ns INTEGER;

ALTER TABLE scan_run ADD COLUMN touched_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scan_run ADD COLUMN computed_count INTEGER NOT NULL DEFAULT 0;
