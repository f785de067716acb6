-- What `presswork prune` would remove now, without removing anything (`prune --dry-run`):
-- candidate runs by status and action with the rows they own, and in other_rows the orphaned
-- rows by kind and the events past their retention.
--
--   psql "$DATABASE_URL" -f sql/prune/plan.sql
SELECT 'runs' AS what, c.status || ' ' || c.action AS detail, count(*) AS runs,
       sum((SELECT count(*) FROM artifacts x WHERE x.run_id = c.run_id))::bigint           AS artifacts,
       sum((SELECT count(*) FROM section_checkpoints x WHERE x.run_id = c.run_id))::bigint AS checkpoints,
       sum((SELECT count(*) FROM diagnostics x WHERE x.run_id = c.run_id))::bigint         AS diagnostics,
       sum(CASE WHEN c.action = 'delete'
                THEN (SELECT count(*) FROM vectors x WHERE x.run_id = c.run_id) ELSE 0 END)::bigint AS vectors,
       NULL::bigint AS other_rows
FROM prune_candidates c
GROUP BY c.status, c.action
UNION ALL
SELECT 'orphans', kind, NULL, NULL, NULL, NULL, NULL, count(*) FROM orphaned_rows GROUP BY kind
UNION ALL
SELECT 'events', 'older than ' || presswork_interval('presswork.retain_events', '14 days'), NULL, NULL, NULL, NULL, NULL, count(*)
FROM events e
WHERE e.at < presswork_now() - presswork_interval('presswork.retain_events', '14 days')
  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.state = 'pending')
HAVING count(*) > 0
ORDER BY 1, 2;
