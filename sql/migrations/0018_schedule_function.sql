-- 0018: schedules from psql, in the spirit of pg_cron's cron.schedule():
--
--   SELECT presswork_schedule('espresso-daily', '0 9 * * *', ARRAY['home espresso']);
--   SELECT presswork_schedule('coffee', '30 6 * * 1-5', ARRAY['latte art', 'grinders'], 'Europe/Berlin',
--                             '{"region": "DE", "profile": "cheap", "site": "coffee", "dryRun": false}');
--   SELECT presswork_unschedule('coffee');
--
-- It creates the schedule, or replaces the expression, zone and params of the one of that name
-- (its fires, counts and pause stay, like `schedules edit`; one the scheduler paused as broken is
-- enabled again), and leaves next_fire_at empty: the scheduler computes it at its next tick,
-- after the checks `schedules add` makes (expression, zone, every param). A row that fails them is paused with the reason in disabled_reason, which
-- `presswork monitor` reports. `params` is merged over the defaults of `presswork run`.

CREATE FUNCTION presswork_schedule(
    schedule_name text, expression text, seeds text[], zone text DEFAULT 'UTC', params jsonb DEFAULT '{}'::jsonb
) RETURNS text
LANGUAGE sql AS $$
    INSERT INTO schedules (name, cron, time_zone, params, next_fire_at)
    VALUES (
        schedule_name, expression, zone,
        jsonb_build_object(
            'seeds', to_jsonb(seeds), 'region', 'US', 'brandVoice', 'clear, friendly and practical', 'dryRun', true,
            'thresholds', jsonb_build_object('review', 0.5, 'publish', 0.7, 'duplicate', 0.9),
            'providers', jsonb_build_object('llm', 'offline', 'embeddings', 'offline', 'trends', 'seeds')
        ) || params,
        NULL
    )
    ON CONFLICT (name) DO UPDATE
    SET cron = EXCLUDED.cron, time_zone = EXCLUDED.time_zone, params = EXCLUDED.params, next_fire_at = NULL,
        enabled = schedules.enabled OR schedules.disabled_reason IS NOT NULL, disabled_reason = NULL, updated_at = now()
    RETURNING name
$$;

CREATE FUNCTION presswork_unschedule(schedule_name text) RETURNS boolean
LANGUAGE sql AS $$
    WITH gone AS (DELETE FROM schedules WHERE name = schedule_name RETURNING 1)
    SELECT count(*) = 1 FROM gone
$$;
