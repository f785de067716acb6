-- Code lists: an inverted file over the sign codes (migration 0021), so that the duplicate check
-- reads a few lists of the corpus instead of every code. At a million vectors the scan of every
-- code cost 155 ms p50 on two cores, linear in the corpus; a check now reads the lists whose
-- centres are nearest to the probe's code.
--
-- vector_lists       a generation of list centres for one model and dimension. A centre is a sign
--                    code, the bitwise majority of the codes assigned to it (k-majority, the
--                    Hamming analogue of k-means), trained by maintenance from a sample of the
--                    corpus (PressworkStore's VectorListIndexer) and never edited: a corpus grown
--                    well past what a generation was trained on gets a new generation.
-- vector_list_generations   when each generation was trained, and on how many vectors.
-- vectors.generation, vectors.list   the list a vector belongs to: set on insert by the trigger
--                    below (the nearest centre of the newest generation), moved to a new
--                    generation by maintenance in batches. NULL until the model has lists; a check
--                    reads every unassigned vector, so a small corpus is searched as before.
--
-- While maintenance moves vectors to a new generation, a check probes the nearest lists of every
-- generation still holding vectors; each vector is in exactly one list, so none is missed for
-- being between generations. A generation's centres are removed once no vector is in it.
CREATE TABLE vector_list_generations (
    model      text        NOT NULL,
    dimension  integer     NOT NULL,
    generation integer     NOT NULL,
    trained_on bigint      NOT NULL,
    lists      integer     NOT NULL CHECK (lists > 0),
    trained_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model, dimension, generation)
);

CREATE TABLE vector_lists (
    model      text         NOT NULL,
    dimension  integer      NOT NULL,
    generation integer      NOT NULL,
    list       integer      NOT NULL,
    code       bit varying  NOT NULL CHECK (length(code) = dimension),
    PRIMARY KEY (model, dimension, generation, list),
    FOREIGN KEY (model, dimension, generation) REFERENCES vector_list_generations ON DELETE CASCADE
);

ALTER TABLE vectors ADD COLUMN generation integer, ADD COLUMN list integer;

-- The check reads this index only: a probed list, or the unassigned vectors (generation IS NULL),
-- as one range each. It also serves every (model, dimension) lookup the code index served.
CREATE INDEX vectors_lists ON vectors (model, dimension, generation, list) INCLUDE (run_id, code);
DROP INDEX vectors_codes;

-- A new vector joins the nearest list of its model's newest generation, if it has one.
CREATE FUNCTION presswork_assign_vector_list() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    probe bit varying;
BEGIN
    -- A small corpus has no lists: its vectors stay unassigned, at no cost.
    IF NOT EXISTS (SELECT 1 FROM vector_list_generations g
                   WHERE g.model = NEW.model AND g.dimension = NEW.dimension) THEN
        NEW.generation := NULL;
        NEW.list := NULL;
        RETURN NEW;
    END IF;
    probe := presswork_sign_code(NEW.embedding);
    SELECT l.generation, l.list INTO NEW.generation, NEW.list
    FROM vector_lists l
    WHERE l.model = NEW.model AND l.dimension = NEW.dimension
      AND l.generation = (SELECT max(g.generation) FROM vector_list_generations g
                          WHERE g.model = NEW.model AND g.dimension = NEW.dimension)
    ORDER BY bit_count(l.code # probe), l.list
    LIMIT 1;
    RETURN NEW;
END
$$;

CREATE TRIGGER vectors_assign_list BEFORE INSERT OR UPDATE OF embedding ON vectors
FOR EACH ROW EXECUTE FUNCTION presswork_assign_vector_list();

-- Maintenance trains and moves under its own lock and log row.
ALTER TABLE maintenance DROP CONSTRAINT maintenance_task_check,
    ADD CONSTRAINT maintenance_task_check CHECK (task IN ('prune', 'vector_lists'));
