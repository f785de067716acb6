-- Runs waiting for a person (`presswork review list`), oldest first, with how long they have
-- waited, the article's title and the coherence score that sent them here.
--
--   SELECT count(*), max(waiting) FROM metrics_review_queue;
CREATE OR REPLACE VIEW metrics_review_queue AS
SELECT r.id                                     AS run_id,
       r.trigger->>'schedule'                   AS schedule,
       r.finished_at                            AS waiting_since,
       now() - r.finished_at                    AS waiting,
       outline.payload->>'title'                AS title,
       (report.payload->>'score')::double precision AS score
FROM runs r
LEFT JOIN artifacts outline ON outline.run_id = r.id AND outline.round = 2
LEFT JOIN artifacts report ON report.run_id = r.id AND report.round = 6
WHERE r.status = 'needs_review'
ORDER BY r.finished_at;
