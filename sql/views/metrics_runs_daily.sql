-- Runs created per day (UTC), by schedule, trigger and status, with their token use and cost.
--
--   SELECT day, status, sum(runs) FROM metrics_runs_daily
--   WHERE day > current_date - 7 GROUP BY 1, 2 ORDER BY 1, 2;
--
-- `schedule` is NULL for runs started by hand (the CLI, the API, SQL). Compacted runs (see
-- `presswork prune`) still count here; deleted ones do not.
CREATE OR REPLACE VIEW metrics_runs_daily AS
SELECT (created_at AT TIME ZONE 'UTC')::date AS day,
       trigger->>'schedule'                 AS schedule,
       trigger->>'kind'                     AS trigger,
       status,
       count(*)                             AS runs,
       sum(tokens_in)::bigint               AS tokens_in,
       sum(tokens_out)::bigint              AS tokens_out,
       sum(cost_usd)                        AS cost_usd
FROM runs
GROUP BY 1, 2, 3, 4;
