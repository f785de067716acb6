-- Enabled schedules whose next fire is more than presswork.monitor_overdue_after (default 5
-- minutes) in the past (critical): no scheduler (`presswork serve`) is running against this
-- database.
SELECT 'critical'                                                            AS severity,
       name                                                                  AS subject,
       'due at ' || next_fire_at || ', ' || date_trunc('second', presswork_now() - next_fire_at)
           || ' ago: is a scheduler (presswork serve) running?'              AS detail,
       next_fire_at                                                          AS since
FROM schedules
WHERE enabled
  AND next_fire_at < presswork_now() - presswork_interval('presswork.monitor_overdue_after', '5 minutes')
ORDER BY next_fire_at;
