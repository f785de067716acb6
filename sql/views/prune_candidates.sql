-- The runs `presswork prune` removes now, and how:
--   delete   the run and everything it owns (artifacts, checkpoints, diagnostics, vectors,
--            publication record, cached replies);
--   compact  a run that published a post: its artifacts, checkpoints, diagnostics and cached replies go; the
--            row, its publication record and its article vector stay, because the duplicate
--            check compares every new article with every published post.
-- Retention runs from when a run finished, per status: done, skipped and cancelled runs after
-- presswork.retain_finished (default 30 days), runs that ended in error after
-- presswork.retain_errors (default 90 days: failures are kept longer, to be looked into). Runs
-- waiting for review, queued or running are never candidates, nor runs whose publish left a
-- draft in WordPress (`left_behind`) or uploaded images that no published post shows: that
-- record is how a person finds the draft or the media items, so it stays until the run is
-- retried or the rows are dealt with. Any run with a live post is compacted.
--
--   SET presswork.retain_finished = '7 days';
--   SELECT status, action, count(*) FROM prune_candidates GROUP BY 1, 2;
CREATE OR REPLACE VIEW prune_candidates AS
SELECT r.id          AS run_id,
       r.status,
       r.finished_at,
       CASE WHEN p.stage = 'published' THEN 'compact' ELSE 'delete' END AS action
FROM runs r
LEFT JOIN publications p ON p.run_id = r.id
WHERE r.pruned_at IS NULL
  AND r.finished_at IS NOT NULL
  AND p.stage IS DISTINCT FROM 'left_behind'
  AND (p.stage = 'published'
       OR NOT EXISTS (SELECT 1 FROM images i WHERE i.run_id = r.id AND i.media_stage = 'uploaded'))
  AND ((r.status IN ('done', 'skipped', 'cancelled')
        AND r.finished_at < presswork_now() - presswork_interval('presswork.retain_finished', '30 days'))
    OR (r.status = 'error'
        AND r.finished_at < presswork_now() - presswork_interval('presswork.retain_errors', '90 days')));
