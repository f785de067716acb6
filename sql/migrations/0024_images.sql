-- 0024: the images round 7 draws from round 5's image prompts, one row per placement.
--
-- Each image is kept as soon as it is drawn (a checkpoint: a retried round 7 draws only the
-- placements missing here, or those whose prompt a reviewer changed), with what it is: hash,
-- size, type, the prompt and alt text it was drawn for, the provider and what it cost. The
-- bytes live here too (at most 8 MiB each, checked before they are stored), so a backup of the
-- database is a backup of the posts' images, and pruning a run removes them with it.
--
-- A published run's images are WordPress media items: wp_media_id and media_url are recorded the
-- moment an upload answers, so a retry reuses the item instead of uploading a second one;
-- compensation sets media_stage 'removed' when it deletes the item with a failed post's draft.
CREATE TABLE images (
    run_id       uuid        NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    placement    text        NOT NULL CHECK (placement ~ '^(hero|section-[0-9]+)$'),
    prompt       text        NOT NULL,
    alt_text     text        NOT NULL,
    media_type   text        NOT NULL CHECK (media_type IN ('image/png', 'image/jpeg', 'image/webp')),
    byte_size    integer     NOT NULL CHECK (byte_size > 0 AND byte_size <= 8388608),
    sha256       text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    bytes        bytea       NOT NULL,
    provider     text        NOT NULL,
    cost_usd     double precision NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
    -- The run's lease attempt (fencing token) that drew it.
    run_attempt  integer     NOT NULL,
    media_stage  text        CHECK (media_stage IN ('uploaded', 'removed')),
    wp_media_id  bigint,
    media_url    text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, placement),
    CHECK (octet_length(bytes) = byte_size),
    CHECK (media_stage IS DISTINCT FROM 'uploaded' OR (wp_media_id IS NOT NULL AND media_url IS NOT NULL))
);
