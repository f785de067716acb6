-- How long rounds took, per day (UTC) and round: median, 95th percentile and longest, from the
-- rounds completed that day (artifacts copied by `runs reprocess` are not completions).
--
--   SELECT round, p50_ms, p95_ms FROM metrics_round_durations_daily
--   WHERE day = current_date ORDER BY round;
CREATE OR REPLACE VIEW metrics_round_durations_daily AS
SELECT (created_at AT TIME ZONE 'UTC')::date                                   AS day,
       round,
       count(*)                                                                AS rounds,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms)::integer       AS p50_ms,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms)::integer      AS p95_ms,
       max(duration_ms)                                                        AS max_ms
FROM artifacts
WHERE attempt > 0
GROUP BY 1, 2;
