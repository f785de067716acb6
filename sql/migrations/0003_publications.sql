-- 0003: the publication ledger, which makes "exactly one WordPress post per run" hold.
--
-- Round 7 writes a row here before it calls WordPress (stage 'intent'), again when the draft
-- exists ('draft', with its post id) and when it is live ('published'). A retry reads the row:
-- a post id or an earlier intent means a post may exist, and the publisher looks for it (by id,
-- by slug, by the run's mark in the content) and adopts it instead of creating a second one.
-- Compensation records 'removed', or 'left_behind' with the post id when the draft could not be
-- removed (monitoring lists those).

CREATE TABLE publications (
    run_id       uuid        PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
    site         text        NOT NULL,
    slug         text        NOT NULL,
    stage        text        NOT NULL
                 CHECK (stage IN ('intent', 'draft', 'published', 'removed', 'left_behind')),
    wp_post_id   bigint,
    link         text,
    -- How many times publishing began for this run.
    attempts     integer     NOT NULL DEFAULT 1,
    -- The run's lease attempt (fencing token) of the last write.
    run_attempt  integer     NOT NULL,
    error        text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (stage IN ('intent', 'removed') OR wp_post_id IS NOT NULL)
);

CREATE INDEX publications_left_behind ON publications (updated_at) WHERE stage = 'left_behind';

-- The post a vector belongs to is known once round 7 published it.
CREATE INDEX vectors_post ON vectors (wp_post_id) WHERE wp_post_id IS NOT NULL;
