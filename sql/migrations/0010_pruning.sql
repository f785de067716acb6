-- 0010: what pruning and the metrics views need.
--
-- runs.pruned_at   set when `presswork prune` compacted a published run: its artifacts,
--                  checkpoints and diagnostics went, the row, its publication record and its
--                  article vector stay (the duplicate check compares new articles against every
--                  published post, and the metrics count posts).
-- vectors.title    the article's title, copied from round 2 when a run is compacted, so that the
--                  duplicate check can still name what a new article duplicates.
-- presswork_schema_views  the views of sql/views (CREATE OR REPLACE, applied by `migrate` whenever
--                  their text changed), with the checksum of the text last applied.
--
-- Indexes: prune finds runs by status and finish time; deleting a run sets the references of
-- child runs and schedule fires to NULL, which without these indexes would scan both tables once
-- per deleted run.

ALTER TABLE runs ADD COLUMN pruned_at timestamptz;
ALTER TABLE vectors ADD COLUMN title text;

CREATE INDEX runs_prunable ON runs (status, finished_at) WHERE pruned_at IS NULL AND finished_at IS NOT NULL;
CREATE INDEX runs_parent ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL;
CREATE INDEX schedule_fires_run ON schedule_fires (run_id) WHERE run_id IS NOT NULL;
CREATE INDEX schedule_fires_at ON schedule_fires (fire_at);
-- Monitoring: runs waiting for review, oldest first.
CREATE INDEX runs_needs_review ON runs (finished_at) WHERE status = 'needs_review';

CREATE TABLE presswork_schema_views (
    name       text        PRIMARY KEY,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- The thresholds of the monitoring queries and the retention of `prune` are settings with
-- defaults, so that every file in sql/ runs as it stands in psql, and the program (or you) can
-- change them for one transaction: SET LOCAL presswork.retain_finished = '7 days';
CREATE FUNCTION presswork_interval(setting text, fallback interval) RETURNS interval
    LANGUAGE sql STABLE AS $$ SELECT coalesce(nullif(current_setting(setting, true), '')::interval, fallback) $$;
CREATE FUNCTION presswork_integer(setting text, fallback integer) RETURNS integer
    LANGUAGE sql STABLE AS $$ SELECT coalesce(nullif(current_setting(setting, true), '')::integer, fallback) $$;

-- The last run of each maintenance task (prune), whoever ran it (`presswork prune` from cron, or
-- the maintenance service of `presswork serve --prune-every`): when, by whom, what it removed.
-- The service reads it to prune once per interval across all its processes.
CREATE TABLE maintenance (
    task        text        PRIMARY KEY CHECK (task IN ('prune')),
    owner       text        NOT NULL,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    report      jsonb
);
