-- 0014: `presswork schedules trigger NAME` fires a schedule by hand: its fire row says so
-- ('manual'), at the instant it was triggered, subject to the overlap policy like any fire.

ALTER TABLE schedule_fires DROP CONSTRAINT schedule_fires_outcome_check;
ALTER TABLE schedule_fires ADD CONSTRAINT schedule_fires_outcome_check
    CHECK (outcome IN ('run', 'missed', 'skipped', 'backfill', 'manual'));
