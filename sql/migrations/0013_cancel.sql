-- 0013: cancelling a run. A queued, failed or waiting run is cancelled at once; a running one is
-- asked to stop: its executor sees `cancel_requested_at` at its next section or round boundary
-- (and on its next heartbeat, which cancels the calls in flight), and ends it as cancelled.
-- `presswork runs cancel RUN`, `POST /v1/runs/{id}/cancel`.

ALTER TABLE runs ADD COLUMN cancel_requested_at timestamptz, ADD COLUMN cancel_reason text;
