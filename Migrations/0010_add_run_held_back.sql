-- How many vanished files a scan did not mark missing because most of a root vanished at
-- once (an unmounted drive, taken as a precaution): `status` tells it after the scan's own
-- message has scrolled away, until a later scan walks the root again.
ALTER TABLE scan_run ADD COLUMN held_back_count INTEGER NOT NULL DEFAULT 0;
