-- 0015: the scheduler gives enabled schedules without a next fire (rows written with plain
-- SQL) their next one on every tick (ScheduleStore.fillMissingNextFires). This index keeps
-- that look-up at the cost of the rows it finds, nearly always none, however many schedules
-- there are.

CREATE INDEX schedules_without_next_fire ON schedules (name) WHERE enabled AND next_fire_at IS NULL;
