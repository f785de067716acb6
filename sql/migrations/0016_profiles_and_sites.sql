-- 0016: writer profiles and WordPress sites, so that a run carries its own configuration.
--
-- profiles          a named writer setup (LLM provider, base URL, models per round, generation,
--                   prices, embeddings, trend sources); `current_version` is what new runs get.
-- profile_versions  every version of a profile, immutable: a run records the version it was
--                   created with (params.profileVersion) and is executed with that one, whatever
--                   edits came later.
-- sites             a named WordPress site (URL, user, post status, default categories). Runs are
--                   published with the site's current settings, so a rotated password reaches the
--                   runs already waiting; `version` counts edits for the run document.
--
-- Secrets are never stored: a document holds references (`env:NAME`, `file:/path`) that the
-- executing process resolves. The documents are checked by the process that writes them; the
-- CHECKs here only keep plain SQL from writing something that is not an object.

CREATE TABLE profiles (
    name            text        PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'),
    current_version integer     NOT NULL DEFAULT 1 CHECK (current_version > 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE profile_versions (
    profile    text        NOT NULL REFERENCES profiles (name) ON DELETE CASCADE,
    version    integer     NOT NULL CHECK (version > 0),
    settings   jsonb       NOT NULL CHECK (jsonb_typeof(settings) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (profile, version)
);

CREATE TABLE sites (
    name       text        PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'),
    version    integer     NOT NULL DEFAULT 1 CHECK (version > 0),
    settings   jsonb       NOT NULL CHECK (jsonb_typeof(settings) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- `runs list --site S` / `--profile P`, and the check that refuses to remove a profile or site
-- that unfinished runs still name.
CREATE INDEX runs_site ON runs ((params ->> 'site'), created_at) WHERE params ? 'site';
CREATE INDEX runs_profile ON runs ((params ->> 'profile'), created_at) WHERE params ? 'profile';

-- Tokens that manage profiles and sites.
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_scopes_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_scopes_check CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY[
    'runs:read', 'runs:write', 'review', 'schedules:read', 'schedules:write', 'metrics',
    'settings:read', 'settings:write']::text[]);
