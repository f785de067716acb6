-- Rows left behind (warning).
--   Orphaned rows older than presswork.monitor_orphan_after (default 1 day), by kind (see
--   views/orphaned_rows.sql): `presswork prune` removes them; if they keep coming back, is the
--   nightly prune running?
--   WordPress drafts that a failed publish could not remove: a person must delete the post in
--   WordPress (or `presswork runs retry` the run, which adopts and publishes the draft).
--   Images uploaded to WordPress for a run that ended (error, cancelled) without a published post:
--   media items no post shows. `presswork runs retry` publishes them with the post; otherwise
--   delete them in WordPress (their ids are listed).
SELECT 'warning'                                                             AS severity,
       kind                                                                  AS subject,
       count(*) || ' orphaned ' || kind || ' row(s) older than '
           || presswork_interval('presswork.monitor_orphan_after', '1 day')
           || ': presswork prune removes them'                               AS detail,
       min(since)                                                            AS since
FROM orphaned_rows
WHERE since < presswork_now() - presswork_interval('presswork.monitor_orphan_after', '1 day')
GROUP BY kind
UNION ALL
SELECT 'warning',
       'wordpress post ' || p.wp_post_id,
       'draft left in WordPress at ' || p.site || ' by run ' || p.run_id
           || coalesce(' (' || p.error || ')', '') || ': delete it there, or runs retry the run',
       p.updated_at
FROM publications p
WHERE p.stage = 'left_behind'
UNION ALL
SELECT 'warning',
       'run ' || i.run_id,
       count(*) || ' image(s) uploaded to WordPress as media '
           || string_agg(i.wp_media_id::text, ', ' ORDER BY i.placement) || ' for a run that ended '
           || r.status || ' without a published post: runs retry publishes them, or delete them there',
       min(i.updated_at)
FROM images i
JOIN runs r ON r.id = i.run_id
LEFT JOIN publications p ON p.run_id = i.run_id
WHERE i.media_stage = 'uploaded' AND r.status IN ('error', 'cancelled') AND p.stage IS DISTINCT FROM 'published'
GROUP BY i.run_id, r.status;
