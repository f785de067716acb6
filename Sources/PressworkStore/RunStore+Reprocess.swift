import Foundation
import PostgresClient
import PressworkCore

extension RunStore {
    /// A new queued run under `pipelineVersion` with `parent`'s params, recording it as its
    /// parent, holding copies of the parent's artifacts before `round` (so that rounds from
    /// `round` on are executed anew), and a status diagnostic saying so: all in one statement, so
    /// that no worker can claim the new run before its copies are there.
    public func reprocess(_ parent: RunRecord, from round: Round, pipelineVersion: String, by who: String) async throws
        -> (run: RunRecord, copied: Int)
    {
        let id = RunID.make()
        let copied = try await pool.query(
            """
            WITH child AS (
                INSERT INTO runs (id, params, pipeline_version, trigger, parent_run_id)
                VALUES (\(id), \(PostgresJSON(parent.params)), \(pipelineVersion), \(PostgresJSON(RunTrigger(kind: .reprocess))), \(parent.id))
                RETURNING id
            ), copies AS (
                INSERT INTO artifacts (run_id, round, payload, schema_version, duration_ms, tokens_in, tokens_out, attempt)
                SELECT child.id, a.round, a.payload, a.schema_version, 0, 0, 0, 0
                FROM artifacts a, child WHERE a.run_id = \(parent.id) AND a.round < \(Int16(round.rawValue))
                RETURNING round
            ), note AS (
                INSERT INTO diagnostics (run_id, kind, message)
                SELECT child.id, 'status',
                       'reprocess of run ' || \(parent.id)::text || ' from ' || \(round.description) || ' ' || \(who)
                       || '; ' || (SELECT count(*) FROM copies) || ' artifacts reused'
                FROM child
            )
            SELECT count(*)::integer FROM copies
            """
        ).scalar(Int.self)
        guard let child = try await run(id) else { throw RunStateError(.conflict, "the reprocessed run \(id) vanished while being read") }
        return (child, copied)
    }
}
