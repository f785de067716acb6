-- Tokens (and cost in US dollars, when prices are configured) per day (UTC), round and schedule.
-- Rounds 3 and 4 include every section, also those kept from an earlier attempt.
--
--   SELECT schedule, sum(tokens_in + tokens_out) AS tokens, sum(cost_usd) AS usd
--   FROM metrics_tokens_daily WHERE day >= date_trunc('month', current_date) GROUP BY 1;
CREATE OR REPLACE VIEW metrics_tokens_daily AS
SELECT (a.created_at AT TIME ZONE 'UTC')::date AS day,
       a.round,
       r.trigger->>'schedule'                 AS schedule,
       count(*)                               AS rounds,
       sum(a.tokens_in)::bigint               AS tokens_in,
       sum(a.tokens_out)::bigint              AS tokens_out,
       sum(a.cost_usd)                        AS cost_usd
FROM artifacts a
JOIN runs r ON r.id = a.run_id
WHERE a.attempt > 0
GROUP BY 1, 2, 3;
