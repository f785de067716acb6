-- 0002: runs and what they produce.
--
-- runs          one row per run: params, status, the last committed round, the lease that lets
--               one worker at a time execute it, totals.
-- artifacts     one row per (run, round): the round's output, written once.
-- section_checkpoints  rounds 3 and 4 commit each section as it finishes, so a retry redoes only
--               the sections that are missing.
-- diagnostics   what happened: rounds completed or skipped, retries, warnings, errors with their
--               chain, gate decisions, reviews.
-- vectors       article embeddings for the duplicate check; compared only within one model and
--               dimension.

CREATE TABLE runs (
    id               uuid        PRIMARY KEY,
    params           jsonb       NOT NULL,
    status           text        NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'running', 'done', 'error', 'needs_review', 'skipped', 'cancelled')),
    round            smallint    CHECK (round BETWEEN 0 AND 7),
    pipeline_version text        NOT NULL,
    trigger          jsonb       NOT NULL,
    idempotency_key  text        UNIQUE,
    parent_run_id    uuid        REFERENCES runs (id) ON DELETE SET NULL,
    -- The lease: who executes the run, until when, and the fencing token. `attempt` grows by one
    -- on every claim; a commit must present the attempt it claimed with.
    lease_owner      text,
    lease_expires_at timestamptz,
    attempt          integer     NOT NULL DEFAULT 0,
    review_approved_at timestamptz,
    status_reason    text,
    tokens_in        bigint      NOT NULL DEFAULT 0,
    tokens_out       bigint      NOT NULL DEFAULT 0,
    work_ms          bigint      NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX runs_status_created ON runs (status, created_at);
CREATE INDEX runs_queued ON runs (created_at) WHERE status = 'queued';
CREATE INDEX runs_lease_expiry ON runs (lease_expires_at) WHERE status = 'running';
-- The duplicate check fetches the runs finished since its last look.
CREATE INDEX runs_done_finished ON runs (finished_at) WHERE status = 'done';

CREATE TABLE artifacts (
    run_id         uuid        NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    round          smallint    NOT NULL CHECK (round BETWEEN 0 AND 7),
    payload        jsonb       NOT NULL,
    schema_version integer     NOT NULL DEFAULT 1,
    duration_ms    integer     NOT NULL,
    tokens_in      integer     NOT NULL DEFAULT 0,
    tokens_out     integer     NOT NULL DEFAULT 0,
    attempt        integer     NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, round)
);

CREATE TABLE section_checkpoints (
    run_id      uuid        NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    round       smallint    NOT NULL CHECK (round IN (3, 4)),
    section     integer     NOT NULL CHECK (section >= 0),
    payload     jsonb       NOT NULL,
    duration_ms integer     NOT NULL,
    tokens_in   integer     NOT NULL DEFAULT 0,
    tokens_out  integer     NOT NULL DEFAULT 0,
    attempt     integer     NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, round, section)
);

CREATE TABLE diagnostics (
    id          bigserial   PRIMARY KEY,
    run_id      uuid        NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    round       smallint    CHECK (round BETWEEN 0 AND 7),
    kind        text        NOT NULL CHECK (kind IN (
                    'round_completed', 'round_skipped', 'section_completed', 'retry', 'warning', 'error',
                    'gate', 'review', 'human_edit', 'status')),
    message     text        NOT NULL,
    attempt     integer,
    duration_ms integer,
    tokens_in   integer,
    tokens_out  integer,
    details     jsonb,
    at          timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX diagnostics_run ON diagnostics (run_id, id);

CREATE TABLE vectors (
    run_id     uuid        NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    model      text        NOT NULL,
    dimension  integer     NOT NULL CHECK (dimension > 0),
    embedding  real[]      NOT NULL CHECK (cardinality(embedding) = dimension),
    wp_post_id bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, model)
);

CREATE INDEX vectors_model ON vectors (model, dimension);
