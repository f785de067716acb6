-- A compact code per stored vector, so that the duplicate check can search the corpus in Postgres
-- instead of holding every vector in every process (150 MB per 100,000 vectors of 384 dimensions,
-- loaded at each process's first check).
--
-- vectors.code   one bit per dimension: 1 where the component is positive. The Hamming distance
--                between two codes estimates the angle between the vectors (each dimension is a
--                hyperplane through the origin; the fraction of hyperplanes separating two vectors
--                is their angle over π), so the vectors nearest by cosine are among those nearest
--                by `bit_count(code # probe)`. The check takes the best few hundred by that
--                distance from the index alone, then ranks those exactly by cosine.
--
-- presswork_sign_code(real[]) is the one definition of the code: the column is generated from it,
-- and the check computes the probe's code with it too.
CREATE FUNCTION presswork_sign_code(embedding real[]) RETURNS bit varying
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT string_agg(CASE WHEN component > 0 THEN '1' ELSE '0' END, '' ORDER BY position)::bit varying
    FROM unnest(embedding) WITH ORDINALITY AS components(component, position)
$$;

ALTER TABLE vectors ADD COLUMN code bit varying GENERATED ALWAYS AS (presswork_sign_code(embedding)) STORED;

-- The search reads this index only (48 bytes of code per 384-dimension vector, beside the run id),
-- never the 1.5 KB embeddings of the whole corpus. It serves the (model, dimension) lookups the
-- older index served.
CREATE INDEX vectors_codes ON vectors (model, dimension) INCLUDE (run_id, code);
DROP INDEX vectors_model;
