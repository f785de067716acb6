-- Webhook events not delivered, per endpoint (warning): pending for longer than
-- presswork.monitor_webhook_after (default 15 minutes) (the receiver fails, or no `presswork
-- serve` delivers), or failed for good after every retry (`presswork webhooks redeliver` tries
-- them again).
SELECT 'warning'                                                             AS severity,
       d.endpoint                                                            AS subject,
       count(*) FILTER (WHERE d.state = 'pending') || ' pending, '
           || count(*) FILTER (WHERE d.state = 'failed') || ' failed; last error: '
           || coalesce((array_agg(d.last_error ORDER BY d.next_attempt_at DESC)
                        FILTER (WHERE d.last_error IS NOT NULL))[1], 'none yet')   AS detail,
       min(d.created_at)                                                     AS since
FROM webhook_deliveries d
WHERE d.state = 'failed'
   OR (d.state = 'pending' AND d.created_at < presswork_now() - presswork_interval('presswork.monitor_webhook_after', '15 minutes'))
GROUP BY d.endpoint
ORDER BY d.endpoint;
