-- 0004: what runs cost. Providers with a configured price per model report the US dollars each
-- call cost; rounds, sections and runs sum them like tokens. 0 means unpriced (offline, or no
-- price configured), not free.

ALTER TABLE runs ADD COLUMN cost_usd double precision NOT NULL DEFAULT 0;
ALTER TABLE artifacts ADD COLUMN cost_usd double precision NOT NULL DEFAULT 0;
ALTER TABLE section_checkpoints ADD COLUMN cost_usd double precision NOT NULL DEFAULT 0;
