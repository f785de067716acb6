-- 0007: workers. A run whose lease expired while running was abandoned by its worker (the
-- process died or hung); `abandoned` counts those takeovers, so that a run that kills its
-- workers again and again ends as `error` instead of being claimed forever (poison-run
-- protection). Workers claim the oldest claimable run; the index serves that query.

ALTER TABLE runs ADD COLUMN abandoned integer NOT NULL DEFAULT 0;
CREATE INDEX runs_claimable ON runs (created_at) WHERE status IN ('queued', 'running');

-- Idle workers LISTEN on presswork_runs; whatever queues a run (the CLI, the scheduler, a retry,
-- a plain SQL INSERT) notifies them, in the same transaction (delivered at commit).
CREATE FUNCTION presswork_notify_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('presswork_runs', NEW.id::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER runs_notify_queued AFTER INSERT OR UPDATE OF status ON runs
    FOR EACH ROW WHEN (NEW.status = 'queued') EXECUTE FUNCTION presswork_notify_run();

-- A run inserted by any SQL client needs only its params: the rest has defaults, and workers
-- validate what they read (a run that cannot be read ends as `error` with the reason).
ALTER TABLE runs ALTER COLUMN pipeline_version SET DEFAULT 'sql';
ALTER TABLE runs ALTER COLUMN trigger SET DEFAULT '{"kind": "sql"}';
ALTER TABLE runs ALTER COLUMN id SET DEFAULT gen_random_uuid();
