-- 0011: bearer tokens for the HTTP API (`presswork serve --http`).
--
-- A token is shown once, when `presswork tokens create` makes it; only its SHA-256 is kept, so a
-- copy of the database does not hand out access. Scopes say what a token may do:
--   runs:read  runs:write  review  schedules:read  schedules:write  metrics
-- A revoked token stays (revoked_at set) so that its name and history remain visible.

CREATE TABLE api_tokens (
    name         text        PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'),
    token_sha256 text        NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
    scopes       text[]      NOT NULL CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY[
                     'runs:read', 'runs:write', 'review', 'schedules:read', 'schedules:write', 'metrics']::text[]),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
