-- WordPress posts published per day (UTC) and site. Compacted runs keep their publication
-- record, so the count survives `presswork prune`.
--
--   SELECT day, sum(posts) FROM metrics_posts_daily GROUP BY 1 ORDER BY 1 DESC LIMIT 14;
CREATE OR REPLACE VIEW metrics_posts_daily AS
SELECT (updated_at AT TIME ZONE 'UTC')::date AS day,
       site,
       count(*)                              AS posts
FROM publications
WHERE stage = 'published'
GROUP BY 1, 2;
