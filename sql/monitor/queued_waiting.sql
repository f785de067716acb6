-- Runs queued for longer than presswork.monitor_queued_after (default 15 minutes): no worker is
-- claiming, or the workers cannot keep up (warning, one row).
SELECT 'warning'                                                             AS severity,
       'queue'                                                               AS subject,
       count(*) || ' run(s) queued for more than '
           || presswork_interval('presswork.monitor_queued_after', '15 minutes')
           || '; the oldest since ' || date_trunc('second', min(created_at)) AS detail,
       min(created_at)                                                       AS since
FROM runs
WHERE status = 'queued'
  AND created_at < presswork_now() - presswork_interval('presswork.monitor_queued_after', '15 minutes')
HAVING count(*) > 0;
