-- 0023: searching runs by seed text (`runs list --seed`, `GET /v1/runs?seed=`, the console's runs
-- page) without reading every run.
--
-- presswork_seed_text(params)  a run's seeds as one text, one seed per line. Seeds never hold a
--                              line break (control characters are refused), so a search text,
--                              which holds none either, matches within one seed or not at all:
--                              `presswork_seed_text(params) ILIKE '%text%'` is exactly "a seed
--                              contains the text".
-- runs_seed_text               a trigram index on it, where the server has pg_trgm (a contrib
--                              extension, in Debian's postgresql-15 package and trusted since
--                              PostgreSQL 13, so the migrating role needs no superuser). Without
--                              it the search is the same query, reading every run.
CREATE FUNCTION presswork_seed_text(params jsonb) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(string_agg(seed, E'\n'), '')
    FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(params -> 'seeds') = 'array' THEN params -> 'seeds' ELSE '[]' END) AS s(seed)
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        CREATE INDEX runs_seed_text ON runs USING gin (presswork_seed_text(params) gin_trgm_ops);
    ELSE
        RAISE NOTICE 'pg_trgm is not available: searching runs by seed reads every run';
    END IF;
END
$$;
