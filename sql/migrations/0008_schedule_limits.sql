-- 0008: a limit on a schedule's active runs (queued or running), applied with its overlap
-- policy: a fire that would exceed it is recorded as skipped. NULL: no limit beyond the policy.

ALTER TABLE schedules ADD COLUMN max_active integer CHECK (max_active >= 1);
