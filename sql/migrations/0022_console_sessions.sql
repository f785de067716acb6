-- 0022: the web console's sessions and one-time sign-in links (`presswork serve --http`, /console).
--
-- Like API tokens, only SHA-256 digests of the secrets are kept: a copy of the database signs
-- nobody in.
--
-- console_sessions        a signed-in browser. token_name is the API token it signed in with:
--                         the session has that token's scopes as they are now, and ends when the
--                         token is revoked or removed. Without a token (a link of
--                         `presswork console-url`), scopes holds what the link granted.
--   csrf_token            sent back in every form of the session, and compared on every POST.
-- console_sign_in_links   a link `presswork console-url` printed: used at most once, for minutes.
CREATE TABLE console_sessions (
    secret_sha256 text        PRIMARY KEY CHECK (secret_sha256 ~ '^[0-9a-f]{64}$'),
    token_name    text        REFERENCES api_tokens (name) ON DELETE CASCADE,
    scopes        text[]      NOT NULL DEFAULT '{}',
    csrf_token    text        NOT NULL CHECK (length(csrf_token) >= 32),
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);

CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);

CREATE TABLE console_sign_in_links (
    code_sha256 text        PRIMARY KEY CHECK (code_sha256 ~ '^[0-9a-f]{64}$'),
    scopes      text[]      NOT NULL CHECK (cardinality(scopes) > 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);

-- The console's runs page pages newest first by (created_at, id) with no filter at all, and its
-- overview counts the runs of the last days: both a range of this index, not a sort of every run.
CREATE INDEX runs_created ON runs (created_at, id);
