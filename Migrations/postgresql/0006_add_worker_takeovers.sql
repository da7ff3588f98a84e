-- Claims other workers took over from a worker after its lease ran out, and when they last
-- did: `status` names a worker not seen since as stalled (frozen, cut off or dead), even
-- once the others hold all its files. PostgreSQL only (an SQLite index has no queue).

ALTER TABLE worker ADD COLUMN taken_over BIGINT NOT NULL DEFAULT 0;
ALTER TABLE worker ADD COLUMN taken_over_at TIMESTAMPTZ;
