-- Claims take the oldest waiting files. Ordered by id, the planner could walk the primary
-- key from the first file ever queued past every finished one (its statistics lag behind a
-- queue that drains fast); ordered by the time each file was queued, only this index over
-- the open rows gives the order, so a claim reads a few index entries whatever has been done.
DROP INDEX work_item_open;
CREATE INDEX work_item_open ON work_item (model_id, enqueued_at, id) WHERE state IN ('pending', 'claimed');

-- A worker renews the lease of its claims and hands them back by its own id.
CREATE INDEX work_item_claimed_by ON work_item (claimed_by) WHERE state = 'claimed';

-- The queue table changes all the time: vacuum and analyze it long before the defaults would.
ALTER TABLE work_item SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.01);
