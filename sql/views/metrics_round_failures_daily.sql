-- Per day (UTC) and round: rounds completed, rounds that failed (an error diagnostic: the round
-- gave up, or its run was stopped there), provider retries, and the failure rate
-- failed / (completed + failed).
--
--   SELECT round, sum(failed) AS failed, round(avg(failure_rate), 3) AS rate
--   FROM metrics_round_failures_daily WHERE day > current_date - 7 GROUP BY 1 ORDER BY 1;
CREATE OR REPLACE VIEW metrics_round_failures_daily AS
WITH completed AS (
    SELECT (created_at AT TIME ZONE 'UTC')::date AS day, round, count(*) AS n
    FROM artifacts WHERE attempt > 0 GROUP BY 1, 2
), failed AS (
    SELECT (at AT TIME ZONE 'UTC')::date AS day, round,
           count(*) FILTER (WHERE kind = 'error') AS n,
           count(*) FILTER (WHERE kind = 'retry') AS retries
    FROM diagnostics WHERE round IS NOT NULL AND kind IN ('error', 'retry') GROUP BY 1, 2
)
SELECT coalesce(c.day, f.day)                                                   AS day,
       coalesce(c.round, f.round)                                               AS round,
       coalesce(c.n, 0)                                                         AS completed,
       coalesce(f.n, 0)                                                         AS failed,
       coalesce(f.retries, 0)                                                   AS retries,
       round(coalesce(f.n, 0)::numeric / nullif(coalesce(c.n, 0) + coalesce(f.n, 0), 0), 4) AS failure_rate
FROM completed c
FULL JOIN failed f ON f.day = c.day AND f.round = c.round;
