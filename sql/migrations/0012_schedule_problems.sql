-- 0012: a schedule the scheduler cannot read (params that are not a run's params, an expression
-- or time zone that does not parse: rows written with plain SQL) is paused with the reason here,
-- instead of failing every tick and holding up the schedules due after it. `presswork monitor`
-- reports it (sql/monitor/broken_schedules.sql); fix the row, then `schedules resume` clears it.

ALTER TABLE schedules ADD COLUMN disabled_reason text;
