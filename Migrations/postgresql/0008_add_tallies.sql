-- The twin of the SQLite migration 0009_add_tallies (see there): image_tally, vector_tally and
-- label_tally, kept by triggers.
--
-- Many workers write at once here, so each count is split into 16 shards (the writing
-- session's backend pid modulo 16): sessions add to rows of their own and never wait on one
-- another's counts; a reader sums the shards. Inserts and deletes are counted once per
-- statement over its transition tables (one upsert per group of rows, not one per row);
-- updates row by row, only for the rows whose counted columns change. Filled here from what
-- the index holds, in shard 0.

CREATE TABLE image_tally (
    root_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    format TEXT NOT NULL,
    shard INTEGER NOT NULL,
    images BIGINT NOT NULL,
    PRIMARY KEY (root_id, status, format, shard)
);

INSERT INTO image_tally (root_id, status, format, shard, images)
SELECT root_id, status, COALESCE(format, ''), 0, COUNT(*) FROM image GROUP BY 1, 2, 3;

CREATE FUNCTION image_tally_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO image_tally (root_id, status, format, shard, images)
        SELECT root_id, status, COALESCE(format, ''), pg_backend_pid() % 16, COUNT(*) FROM new_rows GROUP BY 1, 2, 3
        ON CONFLICT (root_id, status, format, shard) DO UPDATE SET images = image_tally.images + excluded.images;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO image_tally (root_id, status, format, shard, images)
        SELECT root_id, status, COALESCE(format, ''), pg_backend_pid() % 16, -COUNT(*) FROM old_rows GROUP BY 1, 2, 3
        ON CONFLICT (root_id, status, format, shard) DO UPDATE SET images = image_tally.images + excluded.images;
    ELSE
        -- One row whose counted columns changed (the trigger's WHEN): out of one group, into another.
        INSERT INTO image_tally (root_id, status, format, shard, images)
        VALUES (OLD.root_id, OLD.status, COALESCE(OLD.format, ''), pg_backend_pid() % 16, -1),
               (NEW.root_id, NEW.status, COALESCE(NEW.format, ''), pg_backend_pid() % 16, 1)
        ON CONFLICT (root_id, status, format, shard) DO UPDATE SET images = image_tally.images + excluded.images;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER image_tally_insert AFTER INSERT ON image REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION image_tally_count();
CREATE TRIGGER image_tally_delete AFTER DELETE ON image REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION image_tally_count();
-- Row by row, and only for rows whose counted columns change: most updates of an image (the
-- time a rescan saw it) do not call the function at all.
CREATE TRIGGER image_tally_update AFTER UPDATE OF root_id, status, format ON image
    FOR EACH ROW WHEN (OLD.root_id IS DISTINCT FROM NEW.root_id OR OLD.status IS DISTINCT FROM NEW.status
        OR OLD.format IS DISTINCT FROM NEW.format)
    EXECUTE FUNCTION image_tally_count();

CREATE TABLE vector_tally (
    model_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    shard INTEGER NOT NULL,
    vectors BIGINT NOT NULL,
    PRIMARY KEY (model_id, kind, shard)
);

INSERT INTO vector_tally (model_id, kind, shard, vectors)
SELECT model_id, 'feature', 0, COUNT(*) FROM feature GROUP BY 1;

INSERT INTO vector_tally (model_id, kind, shard, vectors)
SELECT model_id, kind, 0, COUNT(*) FROM descriptor GROUP BY 1, 2;

-- TG_ARGV[0]: 'feature' for the feature table, else the descriptor's own kind.
CREATE FUNCTION vector_tally_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND TG_ARGV[0] = 'feature' THEN
        INSERT INTO vector_tally (model_id, kind, shard, vectors)
        SELECT model_id, 'feature', pg_backend_pid() % 16, COUNT(*) FROM new_rows GROUP BY 1
        ON CONFLICT (model_id, kind, shard) DO UPDATE SET vectors = vector_tally.vectors + excluded.vectors;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO vector_tally (model_id, kind, shard, vectors)
        SELECT model_id, kind, pg_backend_pid() % 16, COUNT(*) FROM new_rows GROUP BY 1, 2
        ON CONFLICT (model_id, kind, shard) DO UPDATE SET vectors = vector_tally.vectors + excluded.vectors;
    ELSIF TG_ARGV[0] = 'feature' THEN
        INSERT INTO vector_tally (model_id, kind, shard, vectors)
        SELECT model_id, 'feature', pg_backend_pid() % 16, -COUNT(*) FROM old_rows GROUP BY 1
        ON CONFLICT (model_id, kind, shard) DO UPDATE SET vectors = vector_tally.vectors + excluded.vectors;
    ELSE
        INSERT INTO vector_tally (model_id, kind, shard, vectors)
        SELECT model_id, kind, pg_backend_pid() % 16, -COUNT(*) FROM old_rows GROUP BY 1, 2
        ON CONFLICT (model_id, kind, shard) DO UPDATE SET vectors = vector_tally.vectors + excluded.vectors;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER vector_tally_feature_insert AFTER INSERT ON feature REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION vector_tally_count('feature');
CREATE TRIGGER vector_tally_feature_delete AFTER DELETE ON feature REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION vector_tally_count('feature');
CREATE TRIGGER vector_tally_descriptor_insert AFTER INSERT ON descriptor REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION vector_tally_count('descriptor');
CREATE TRIGGER vector_tally_descriptor_delete AFTER DELETE ON descriptor REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION vector_tally_count('descriptor');

CREATE TABLE label_tally (
    model_id BIGINT NOT NULL,
    class_index BIGINT NOT NULL,
    shard INTEGER NOT NULL,
    images BIGINT NOT NULL,
    PRIMARY KEY (model_id, class_index, shard)
);

INSERT INTO label_tally (model_id, class_index, shard, images)
SELECT model_id, class_index, 0, COUNT(*) FROM prediction WHERE rank = 1 GROUP BY 1, 2;

CREATE FUNCTION label_tally_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO label_tally (model_id, class_index, shard, images)
        SELECT model_id, class_index, pg_backend_pid() % 16, COUNT(*) FROM new_rows WHERE rank = 1 GROUP BY 1, 2
        ON CONFLICT (model_id, class_index, shard) DO UPDATE SET images = label_tally.images + excluded.images;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO label_tally (model_id, class_index, shard, images)
        SELECT model_id, class_index, pg_backend_pid() % 16, -COUNT(*) FROM old_rows WHERE rank = 1 GROUP BY 1, 2
        ON CONFLICT (model_id, class_index, shard) DO UPDATE SET images = label_tally.images + excluded.images;
    ELSE
        -- One row whose rank-1 class changed (the trigger's WHEN).
        INSERT INTO label_tally (model_id, class_index, shard, images)
        SELECT OLD.model_id, OLD.class_index, pg_backend_pid() % 16, -1 WHERE OLD.rank = 1
        UNION ALL
        SELECT NEW.model_id, NEW.class_index, pg_backend_pid() % 16, 1 WHERE NEW.rank = 1
        ON CONFLICT (model_id, class_index, shard) DO UPDATE SET images = label_tally.images + excluded.images;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER label_tally_insert AFTER INSERT ON prediction REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION label_tally_count();
CREATE TRIGGER label_tally_delete AFTER DELETE ON prediction REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION label_tally_count();
CREATE TRIGGER label_tally_update AFTER UPDATE OF model_id, rank, class_index ON prediction
    FOR EACH ROW WHEN ((OLD.rank = 1 OR NEW.rank = 1) AND (OLD.model_id IS DISTINCT FROM NEW.model_id
        OR OLD.rank IS DISTINCT FROM NEW.rank OR OLD.class_index IS DISTINCT FROM NEW.class_index))
    EXECUTE FUNCTION label_tally_count();
