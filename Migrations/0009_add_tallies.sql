-- Counts kept as rows are written, so that `status` and the searches' checks read a few
-- rows instead of counting every image (at two million images the two passes over the image
-- table alone took 0.85 s; Benchmarks/README.md, "Approximate search past a million photos").
--
-- image_tally: images by root, status and format ('' for none).
-- vector_tally: stored vectors by model and kind: 'feature' (the network's vector), 'gem'
-- and 'rmac' (the descriptors).
-- label_tally: images by model and most probable class (their rank-1 prediction).
--
-- Triggers keep them on every insert, update and delete, whoever writes (an older vggbatch
-- too); deletes cascading from an image fire them as well. A count that falls to 0 keeps
-- its row (readers skip it). Filled here from what the index holds.

CREATE TABLE image_tally (
    root_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    format TEXT NOT NULL,
    images INTEGER NOT NULL,
    PRIMARY KEY (root_id, status, format)
) STRICT;

INSERT INTO image_tally (root_id, status, format, images)
SELECT root_id, status, COALESCE(format, ''), COUNT(*) FROM image GROUP BY 1, 2, 3;

CREATE TRIGGER image_tally_insert AFTER INSERT ON image BEGIN
    INSERT INTO image_tally (root_id, status, format, images) VALUES (NEW.root_id, NEW.status, COALESCE(NEW.format, ''), 1)
        ON CONFLICT (root_id, status, format) DO UPDATE SET images = images + 1;
END;

CREATE TRIGGER image_tally_delete AFTER DELETE ON image BEGIN
    UPDATE image_tally SET images = images - 1
    WHERE root_id = OLD.root_id AND status = OLD.status AND format = COALESCE(OLD.format, '');
END;

CREATE TRIGGER image_tally_update AFTER UPDATE OF root_id, status, format ON image
WHEN OLD.root_id IS NOT NEW.root_id OR OLD.status IS NOT NEW.status OR OLD.format IS NOT NEW.format BEGIN
    UPDATE image_tally SET images = images - 1
    WHERE root_id = OLD.root_id AND status = OLD.status AND format = COALESCE(OLD.format, '');
    INSERT INTO image_tally (root_id, status, format, images) VALUES (NEW.root_id, NEW.status, COALESCE(NEW.format, ''), 1)
        ON CONFLICT (root_id, status, format) DO UPDATE SET images = images + 1;
END;

CREATE TABLE vector_tally (
    model_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    vectors INTEGER NOT NULL,
    PRIMARY KEY (model_id, kind)
) STRICT;

INSERT INTO vector_tally (model_id, kind, vectors)
SELECT model_id, 'feature', COUNT(*) FROM feature GROUP BY 1;

INSERT INTO vector_tally (model_id, kind, vectors)
SELECT model_id, kind, COUNT(*) FROM descriptor GROUP BY 1, 2;

CREATE TRIGGER vector_tally_feature_insert AFTER INSERT ON feature BEGIN
    INSERT INTO vector_tally (model_id, kind, vectors) VALUES (NEW.model_id, 'feature', 1)
        ON CONFLICT (model_id, kind) DO UPDATE SET vectors = vectors + 1;
END;

CREATE TRIGGER vector_tally_feature_delete AFTER DELETE ON feature BEGIN
    UPDATE vector_tally SET vectors = vectors - 1 WHERE model_id = OLD.model_id AND kind = 'feature';
END;

CREATE TRIGGER vector_tally_descriptor_insert AFTER INSERT ON descriptor BEGIN
    INSERT INTO vector_tally (model_id, kind, vectors) VALUES (NEW.model_id, NEW.kind, 1)
        ON CONFLICT (model_id, kind) DO UPDATE SET vectors = vectors + 1;
END;

CREATE TRIGGER vector_tally_descriptor_delete AFTER DELETE ON descriptor BEGIN
    UPDATE vector_tally SET vectors = vectors - 1 WHERE model_id = OLD.model_id AND kind = OLD.kind;
END;

CREATE TABLE label_tally (
    model_id INTEGER NOT NULL,
    class_index INTEGER NOT NULL,
    images INTEGER NOT NULL,
    PRIMARY KEY (model_id, class_index)
) STRICT;

INSERT INTO label_tally (model_id, class_index, images)
SELECT model_id, class_index, COUNT(*) FROM prediction WHERE rank = 1 GROUP BY 1, 2;

CREATE TRIGGER label_tally_insert AFTER INSERT ON prediction WHEN NEW.rank = 1 BEGIN
    INSERT INTO label_tally (model_id, class_index, images) VALUES (NEW.model_id, NEW.class_index, 1)
        ON CONFLICT (model_id, class_index) DO UPDATE SET images = images + 1;
END;

CREATE TRIGGER label_tally_delete AFTER DELETE ON prediction WHEN OLD.rank = 1 BEGIN
    UPDATE label_tally SET images = images - 1 WHERE model_id = OLD.model_id AND class_index = OLD.class_index;
END;

CREATE TRIGGER label_tally_update AFTER UPDATE OF model_id, rank, class_index ON prediction
WHEN (OLD.rank = 1 OR NEW.rank = 1) AND (OLD.model_id IS NOT NEW.model_id OR OLD.rank IS NOT NEW.rank OR OLD.class_index IS NOT NEW.class_index) BEGIN
    UPDATE label_tally SET images = images - 1 WHERE OLD.rank = 1 AND model_id = OLD.model_id AND class_index = OLD.class_index;
    INSERT INTO label_tally (model_id, class_index, images) SELECT NEW.model_id, NEW.class_index, 1 WHERE NEW.rank = 1
        ON CONFLICT (model_id, class_index) DO UPDATE SET images = images + 1;
END;
