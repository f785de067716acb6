-- 0026: a run's own updates as heap-only tuples (HOT).
--
-- A running run's row is updated about twenty times: each round's commit (round, totals, lease)
-- and each heartbeat (lease). An update that changes an indexed column, or finds no room on its
-- page, writes a new entry into every index of runs, the trigram index on the seeds among them:
-- with 1,000 runs in flight none of 9,417 updates was HOT, and WAL came to about 90 KB a run.
-- Two things stood in the way:
--   runs_lease_expiry   the only index on lease_expires_at, which every commit and heartbeat
--                       moves. No query reads it any more: the claim walks runs_claimable in
--                       created_at order (it did in every plan measured), and the stalled-rounds
--                       monitor filters the running runs it reads there.
--   a full page         runs were stored at fillfactor 100, so an updated version rarely fits
--                       beside the old one; 80 leaves room for it (new pages only: existing ones
--                       fill up the same way as rows on them are updated and vacuumed).
DROP INDEX IF EXISTS runs_lease_expiry;
ALTER TABLE runs SET (fillfactor = 80);
