-- 0005: replies a run already paid for. A round whose model call succeeded but whose commit did
-- not (a crash, a lost lease) finds its reply here on retry instead of paying again. Keyed by
-- run and by a hash of the whole request (model, instructions, task, schema, token limit), so
-- runs never share answers. Rows go when their run is deleted, and when it finishes: a done,
-- skipped or reviewed run calls no model again.

CREATE TABLE response_cache (
    run_id     uuid             NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key        text             NOT NULL,
    reply      text             NOT NULL,
    tokens_in  integer          NOT NULL DEFAULT 0,
    tokens_out integer          NOT NULL DEFAULT 0,
    cost_usd   double precision NOT NULL DEFAULT 0,
    created_at timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, key)
);
