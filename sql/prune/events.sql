-- One batch of event removal for `presswork prune`: up to presswork.prune_batch (default 500)
-- events older than presswork.retain_events (default 14 days) that no webhook still waits for
-- (their deliveries, delivered or failed, go with them). Run it until events is 0:
--
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f sql/prune/events.sql
WITH old AS (
    SELECT e.id FROM events e
    WHERE e.at < presswork_now() - presswork_interval('presswork.retain_events', '14 days')
      AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.state = 'pending')
    ORDER BY e.at
    LIMIT presswork_integer('presswork.prune_batch', 500)
    FOR UPDATE SKIP LOCKED
), deleted AS (
    DELETE FROM events x USING old WHERE x.id = old.id RETURNING 1
)
SELECT count(*) AS events FROM deleted;
