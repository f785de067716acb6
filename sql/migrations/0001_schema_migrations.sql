-- 0001: the record of applied migrations.
--
-- `presswork migrate` applies the files in this folder in order, each in its own transaction,
-- and records each here with the SHA-256 of its text. A file that was edited after it was applied
-- is refused: migrations are forward-only, so a change is a new file.
--
-- Runnable by hand: psql "$(presswork db url)" -1 -f sql/migrations/0001_schema_migrations.sql
-- (a file applied by hand is not recorded; `presswork migrate` then applies it again, which every
-- migration here tolerates by using IF NOT EXISTS where it can.)

CREATE TABLE IF NOT EXISTS presswork_schema_migrations (
    version     integer     PRIMARY KEY,
    name        text        NOT NULL,
    checksum    text        NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    duration_ms integer     NOT NULL DEFAULT 0
);

COMMENT ON TABLE presswork_schema_migrations IS
    'Migrations applied by presswork migrate; checksum is the SHA-256 (hex) of the file''s text.';
