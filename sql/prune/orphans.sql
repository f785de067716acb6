-- One batch of orphan removal for `presswork prune`: up to presswork.prune_batch (default 500)
-- rows of each kind in views/orphaned_rows.sql. Run it until every count is 0:
--
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f sql/prune/orphans.sql
WITH checkpoints AS (
    DELETE FROM section_checkpoints x
    USING (SELECT run_id, round, item FROM orphaned_rows WHERE kind = 'section_checkpoint'
           LIMIT presswork_integer('presswork.prune_batch', 500)) o
    WHERE x.run_id = o.run_id AND x.round = o.round AND x.section = o.item::integer
    RETURNING 1
), cached_replies AS (
    DELETE FROM response_cache x
    USING (SELECT run_id, item FROM orphaned_rows WHERE kind = 'response_cache'
           LIMIT presswork_integer('presswork.prune_batch', 500)) o
    WHERE x.run_id = o.run_id AND x.key = o.item
    RETURNING 1
), vectors AS (
    DELETE FROM vectors x
    USING (SELECT run_id, item FROM orphaned_rows WHERE kind = 'vector'
           LIMIT presswork_integer('presswork.prune_batch', 500)) o
    WHERE x.run_id = o.run_id AND x.model = o.item
    RETURNING 1
), events AS (
    DELETE FROM events x
    USING (SELECT item FROM orphaned_rows WHERE kind = 'event'
           LIMIT presswork_integer('presswork.prune_batch', 500)) o
    WHERE x.id = o.item::bigint
    RETURNING 1
)
SELECT (SELECT count(*) FROM checkpoints)    AS checkpoints,
       (SELECT count(*) FROM cached_replies) AS cached_replies,
       (SELECT count(*) FROM vectors)        AS vectors,
       (SELECT count(*) FROM events)         AS events;
