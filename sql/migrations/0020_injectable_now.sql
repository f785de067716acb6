-- The time that the monitoring queries (sql/monitor), the prune (sql/prune, the prune_candidates
-- view) and the program's time-dependent decisions compare with: the setting presswork.now when a
-- caller set it for its transaction (tests, and `presswork monitor`/`prune` judged at a given
-- time), else the server's now(). In psql, with nothing set, it is now().
CREATE FUNCTION presswork_now() RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('presswork.now', true), '')::timestamptz, now())
$$;
