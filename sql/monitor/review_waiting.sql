-- Runs waiting in needs_review for longer than presswork.monitor_review_after (default 24 hours)
-- (warning, one row): `presswork review list` shows them.
SELECT 'warning'                                                             AS severity,
       'review'                                                              AS subject,
       count(*) || ' run(s) waiting for review for more than '
           || presswork_interval('presswork.monitor_review_after', '24 hours')
           || '; the oldest since ' || date_trunc('second', min(finished_at)) AS detail,
       min(finished_at)                                                      AS since
FROM runs
WHERE status = 'needs_review'
  AND finished_at < presswork_now() - presswork_interval('presswork.monitor_review_after', '24 hours')
HAVING count(*) > 0;
