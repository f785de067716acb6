-- The nightly prune stopped (warning): the last prune (by `presswork prune` or `serve
-- --prune-every`) finished longer ago than presswork.monitor_prune_after (default 2 days), or one
-- started longer ago than that and never finished. Nothing is reported before the first prune:
-- a database that is never pruned is a choice, not a fault.
SELECT 'warning'                                                             AS severity,
       task                                                                  AS subject,
       CASE WHEN finished_at IS NULL
            THEN 'started ' || date_trunc('second', presswork_now() - started_at) || ' ago by ' || owner || ' and never finished'
            ELSE 'last finished ' || date_trunc('second', presswork_now() - finished_at) || ' ago: is the cron job or timer running?'
       END                                                                   AS detail,
       coalesce(finished_at, started_at)                                     AS since
FROM maintenance
WHERE coalesce(finished_at, started_at) < presswork_now() - presswork_interval('presswork.monitor_prune_after', '2 days');
