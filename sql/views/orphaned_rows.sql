-- Rows nothing needs any more; `presswork prune` removes them, `presswork monitor` counts them.
--   section_checkpoint  a section of round 3 or 4 whose round has committed (the round's artifact
--                       holds every section; checkpoints only serve a retry of an unfinished round)
--   response_cache      a cached model reply of a run that calls no model again (done, skipped,
--                       cancelled, or waiting for review)
--   vector              the article vector of a run that will never publish (skipped, cancelled):
--                       the duplicate check compares only with finished runs
--   event               an event whose run was deleted and which no webhook still waits for
-- `item` tells the row apart within its run: the section, the cache key, the model, the event id.
--
--   SELECT kind, count(*), min(since) FROM orphaned_rows GROUP BY kind;
CREATE OR REPLACE VIEW orphaned_rows AS
SELECT 'section_checkpoint'::text AS kind, c.run_id, c.round, c.section::text AS item, c.created_at AS since
FROM section_checkpoints c
WHERE EXISTS (SELECT 1 FROM artifacts a WHERE a.run_id = c.run_id AND a.round = c.round)
UNION ALL
SELECT 'response_cache', c.run_id, NULL, c.key, c.created_at
FROM response_cache c
JOIN runs r ON r.id = c.run_id
WHERE r.status IN ('done', 'skipped', 'cancelled', 'needs_review')
UNION ALL
SELECT 'vector', v.run_id, NULL, v.model, v.created_at
FROM vectors v
JOIN runs r ON r.id = v.run_id
WHERE r.status IN ('skipped', 'cancelled')
UNION ALL
SELECT 'event', e.run_id, e.round, e.id::text, e.at
FROM events e
WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = e.run_id)
  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.state = 'pending');
