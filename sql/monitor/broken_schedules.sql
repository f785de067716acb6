-- Schedules the scheduler paused because it could not read them (critical): their runs no longer
-- start. Fix the row (UPDATE schedules SET params = … / cron = …), then `presswork schedules
-- resume NAME`.
SELECT 'critical'                                                            AS severity,
       name                                                                  AS subject,
       'paused, cannot be read: ' || disabled_reason                         AS detail,
       updated_at                                                            AS since
FROM schedules
WHERE NOT enabled AND disabled_reason IS NOT NULL
ORDER BY name;
