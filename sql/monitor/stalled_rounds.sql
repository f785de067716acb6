-- Runs stalled in a round.
--   critical  running under a lease that expired more than presswork.monitor_lease_grace (default
--             5 minutes) ago: its worker is gone and no worker has taken the run over (are any
--             workers running?)
--   warning   one round running longer than presswork.monitor_round_after (default 30 minutes)
--             under a live lease: a slow provider, or a worker stuck while its heartbeat goes on
-- The round in progress is the one after the last committed; it started when the last round
-- committed, or when the run was first claimed.
SELECT CASE WHEN r.lease_expires_at < presswork_now() - presswork_interval('presswork.monitor_lease_grace', '5 minutes')
            THEN 'critical' ELSE 'warning' END                              AS severity,
       r.id::text                                                           AS subject,
       CASE WHEN r.lease_expires_at < presswork_now() - presswork_interval('presswork.monitor_lease_grace', '5 minutes')
            THEN 'round ' || coalesce(r.round + 1, 0) || ': the lease of ' || coalesce(r.lease_owner, '?')
                 || ' expired ' || date_trunc('second', presswork_now() - r.lease_expires_at)
                 || ' ago and no worker has taken the run over'
            ELSE 'round ' || coalesce(r.round + 1, 0) || ' running for '
                 || date_trunc('second', presswork_now() - greatest(last.at, r.started_at)) || ' (' || coalesce(r.lease_owner, '?') || ')'
       END                                                                  AS detail,
       greatest(last.at, r.started_at)                                      AS since
FROM runs r
LEFT JOIN LATERAL (SELECT max(a.created_at) AS at FROM artifacts a WHERE a.run_id = r.id) last ON true
WHERE r.status = 'running'
  AND (r.lease_expires_at < presswork_now() - presswork_interval('presswork.monitor_lease_grace', '5 minutes')
       OR greatest(last.at, r.started_at) < presswork_now() - presswork_interval('presswork.monitor_round_after', '30 minutes'))
ORDER BY since;
