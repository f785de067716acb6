-- One batch of `presswork prune`: up to presswork.prune_batch (default 500) runs of
-- prune_candidates, oldest first, deleted or compacted (see views/prune_candidates.sql) in one
-- short transaction. Rows another transaction holds (a `runs retry` in progress) are skipped,
-- never waited for, and each run is checked again once locked. Run it until runs_deleted and
-- runs_compacted are both 0:
--
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f sql/prune/runs.sql
WITH batch AS (
    SELECT r.id, c.action
    FROM (SELECT run_id, action FROM prune_candidates
          ORDER BY finished_at
          LIMIT presswork_integer('presswork.prune_batch', 500)) c
    JOIN runs r ON r.id = c.run_id
    -- Checked again on the locked row: a run retried meanwhile is no longer finished.
    WHERE r.pruned_at IS NULL AND r.finished_at IS NOT NULL AND r.status IN ('done', 'skipped', 'cancelled', 'error')
    FOR UPDATE OF r SKIP LOCKED
), counted AS (
    SELECT (SELECT count(*) FROM artifacts x JOIN batch b ON x.run_id = b.id)           AS artifacts,
           (SELECT count(*) FROM section_checkpoints x JOIN batch b ON x.run_id = b.id) AS checkpoints,
           (SELECT count(*) FROM diagnostics x JOIN batch b ON x.run_id = b.id)         AS diagnostics,
           (SELECT count(*) FROM vectors x JOIN batch b ON x.run_id = b.id
             WHERE b.action = 'delete')                                                 AS vectors
), titled AS (
    -- A compacted run keeps its vector; the title the duplicate check names comes with it.
    UPDATE vectors v SET title = a.payload->>'title'
    FROM batch b JOIN artifacts a ON a.run_id = b.id AND a.round = 2
    WHERE b.action = 'compact' AND v.run_id = b.id AND v.title IS NULL
), compacted AS (
    UPDATE runs SET pruned_at = now() FROM batch b
    WHERE runs.id = b.id AND b.action = 'compact'
    RETURNING runs.id
), compacted_artifacts AS (
    DELETE FROM artifacts x USING batch b WHERE b.action = 'compact' AND x.run_id = b.id
), compacted_checkpoints AS (
    DELETE FROM section_checkpoints x USING batch b WHERE b.action = 'compact' AND x.run_id = b.id
), compacted_diagnostics AS (
    DELETE FROM diagnostics x USING batch b WHERE b.action = 'compact' AND x.run_id = b.id
), compacted_cache AS (
    DELETE FROM response_cache x USING batch b WHERE b.action = 'compact' AND x.run_id = b.id
), compacted_images AS (
    -- A published image lives on in WordPress, a dry run's beside its HTML: the bytes go.
    DELETE FROM images x USING batch b WHERE b.action = 'compact' AND x.run_id = b.id
), deleted AS (
    -- Everything the run owns goes with it (ON DELETE CASCADE); schedule fires and reprocessed
    -- runs that named it keep their row with the reference set to NULL.
    DELETE FROM runs USING batch b WHERE runs.id = b.id AND b.action = 'delete'
    RETURNING runs.id
)
SELECT (SELECT count(*) FROM deleted)   AS runs_deleted,
       (SELECT count(*) FROM compacted) AS runs_compacted,
       counted.artifacts, counted.checkpoints, counted.diagnostics, counted.vectors
FROM counted;
