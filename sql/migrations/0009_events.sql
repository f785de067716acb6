-- 0009: the events outbox and webhooks.
--
-- events              one row per thing that happened to a run that someone outside may want to
--                     know: a round completed, the run needs review, ended done, error, skipped or
--                     cancelled. Written by triggers, so always in the same transaction as the
--                     change it reports, whoever made the change (a worker, the CLI, plain SQL).
--                     No foreign key to runs: an event outlives its run until it is delivered.
-- webhook_endpoints   where events go: a URL, a secret to sign with, the kinds it wants.
-- webhook_deliveries  one row per (event, endpoint), written with the event: the outbox. A
--                     dispatcher (inside `presswork serve`) posts due rows, at least once, with
--                     retries and backoff; `state` says where each stands.
--
-- Each new event also sends NOTIFY presswork_events with '<event id> <run id>': progress streams
-- and the dispatcher wake on it instead of polling.

CREATE TABLE events (
    id      bigserial   PRIMARY KEY,
    run_id  uuid        NOT NULL,
    kind    text        NOT NULL CHECK (kind IN (
                'run.round_completed', 'run.needs_review', 'run.done', 'run.error', 'run.skipped', 'run.cancelled')),
    round   smallint    CHECK (round BETWEEN 0 AND 7),
    payload jsonb       NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX events_run ON events (run_id, id);
CREATE INDEX events_at ON events (at);

CREATE TABLE webhook_endpoints (
    name       text        PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'),
    url        text        NOT NULL CHECK (url ~ '^https?://'),
    -- The signing key, 'whsec_' and base64 (the Standard Webhooks form). Kept in clear: signing
    -- needs it, as the receiver does.
    secret     text        NOT NULL CHECK (secret ~ '^whsec_[A-Za-z0-9+/]+=*$'),
    events     text[]      NOT NULL,
    enabled    boolean     NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (cardinality(events) > 0 AND events <@ ARRAY[
        'run.round_completed', 'run.needs_review', 'run.done', 'run.error', 'run.skipped', 'run.cancelled']::text[])
);

CREATE TABLE webhook_deliveries (
    event_id        bigint      NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    endpoint        text        NOT NULL REFERENCES webhook_endpoints (name) ON DELETE CASCADE,
    -- pending: not delivered yet (next_attempt_at says when it is tried); delivered: a 2xx came
    -- back; failed: every attempt failed, no more will be made (`webhooks redeliver` starts over).
    state           text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_status     integer,
    last_error      text,
    delivered_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, endpoint)
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint, state);

-- Records one event, fans it out to the endpoints that want it, and wakes listeners.
CREATE FUNCTION presswork_emit_event(p_run uuid, p_kind text, p_round smallint, p_payload jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
BEGIN
    INSERT INTO events (run_id, kind, round, payload) VALUES (p_run, p_kind, p_round, p_payload)
        RETURNING id INTO v_id;
    INSERT INTO webhook_deliveries (event_id, endpoint)
        SELECT v_id, name FROM webhook_endpoints WHERE enabled AND p_kind = ANY (events);
    PERFORM pg_notify('presswork_events', v_id || ' ' || p_run);
END
$$;

-- A round completed: its artifact was written. Artifacts copied from another run by `runs
-- reprocess` (attempt 0) were not completed by this run and report nothing.
CREATE FUNCTION presswork_event_round() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM presswork_emit_event(NEW.run_id, 'run.round_completed', NEW.round, jsonb_build_object(
        'runId', NEW.run_id, 'round', NEW.round, 'attempt', NEW.attempt, 'durationMs', NEW.duration_ms,
        'tokensIn', NEW.tokens_in, 'tokensOut', NEW.tokens_out, 'costUSD', NEW.cost_usd));
    RETURN NULL;
END
$$;

CREATE TRIGGER artifacts_event AFTER INSERT ON artifacts
    FOR EACH ROW WHEN (NEW.attempt > 0) EXECUTE FUNCTION presswork_event_round();

-- A run reached needs_review or an ending.
CREATE FUNCTION presswork_event_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM presswork_emit_event(NEW.id, 'run.' || NEW.status, NEW.round, jsonb_build_object(
        'runId', NEW.id, 'status', NEW.status, 'round', NEW.round, 'reason', NEW.status_reason,
        'schedule', NEW.trigger->>'schedule', 'tokensIn', NEW.tokens_in, 'tokensOut', NEW.tokens_out,
        'costUSD', NEW.cost_usd));
    RETURN NULL;
END
$$;

CREATE TRIGGER runs_event_status AFTER UPDATE OF status ON runs
    FOR EACH ROW
    WHEN (NEW.status IS DISTINCT FROM OLD.status
          AND NEW.status IN ('needs_review', 'done', 'error', 'skipped', 'cancelled'))
    EXECUTE FUNCTION presswork_event_status();
