-- The twin of the SQLite migration 0010_add_run_held_back (see there): vanished files a scan
-- did not mark missing because most of a root vanished at once.
ALTER TABLE scan_run ADD COLUMN held_back_count BIGINT NOT NULL DEFAULT 0;
