-- 0006: schedules and their fires.
--
-- schedules       a cron expression in a time zone, the params of the runs it starts, its
--                 misfire and overlap policies, and the next fire time. Schedulers find due
--                 schedules with FOR UPDATE SKIP LOCKED, so any number of them can run.
-- schedule_fires  one row per fire, unique on (schedule, fire_at), written in the same
--                 transaction as the run it starts: exactly one run per fire, however many
--                 schedulers run and however often they restart. Missed and skipped fires are
--                 rows too, so `schedules show` can count and list them.

CREATE TABLE schedules (
    name           text        PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'),
    cron           text        NOT NULL,
    time_zone      text        NOT NULL,
    params         jsonb       NOT NULL,
    enabled        boolean     NOT NULL DEFAULT true,
    misfire        text        NOT NULL DEFAULT 'latest' CHECK (misfire IN ('skip', 'latest', 'all')),
    catch_up_limit integer     NOT NULL DEFAULT 10 CHECK (catch_up_limit BETWEEN 1 AND 1000),
    overlap        text        NOT NULL DEFAULT 'skip' CHECK (overlap IN ('skip', 'buffer-one', 'allow')),
    -- NULL when the expression never fires again.
    next_fire_at   timestamptz,
    last_fire_at   timestamptz,
    fires_run      bigint      NOT NULL DEFAULT 0,
    fires_missed   bigint      NOT NULL DEFAULT 0,
    fires_skipped  bigint      NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX schedules_due ON schedules (next_fire_at) WHERE enabled;

CREATE TABLE schedule_fires (
    schedule   text        NOT NULL REFERENCES schedules (name) ON DELETE CASCADE,
    fire_at    timestamptz NOT NULL,
    -- run: started a run; missed: the scheduler was down past the grace period and the misfire
    -- policy did not run it; skipped: the overlap policy did not; backfill: started by
    -- `schedules backfill`.
    outcome    text        NOT NULL CHECK (outcome IN ('run', 'missed', 'skipped', 'backfill')),
    run_id     uuid        REFERENCES runs (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (schedule, fire_at)
);

-- The overlap policy asks for a schedule's active runs.
CREATE INDEX runs_schedule_active ON runs ((trigger->>'schedule')) WHERE status IN ('queued', 'running');
