-- Claims other workers took over from a worker after its lease ran out: `status` names a
-- worker not seen since as stalled (frozen, cut off or dead), even once the others hold all
-- its files. Only ever inserted into by a claim (never updated, no foreign key), so that a
-- claim never waits for the row lock of a worker frozen inside its own transaction.
-- PostgreSQL only (an SQLite index has no queue).

CREATE TABLE worker_takeover (
    worker_id TEXT NOT NULL,
    files BIGINT NOT NULL,
    taken_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX worker_takeover_recent ON worker_takeover (taken_at);
