import Foundation
import PostgresClient
import PressworkCore

/// The code lists' queries (migration 0025): what maintenance reads to decide whether a model's
/// corpus needs lists, the sample it trains on, and the statements that install a generation and
/// move vectors into it. VectorListIndexer decides; these only ask and write.
extension RunStore {
    /// One model and dimension's corpus as the code lists see it.
    public struct VectorListState: Sendable, Equatable {
        public let model: String
        public let dimension: Int
        /// Stored vectors.
        public let vectors: Int
        /// The newest generation, with the corpus size it was trained on; nil before the first.
        public let generation: Int?
        public let trainedOn: Int?
        /// Vectors not in the newest generation (unassigned, or in an older one).
        public let pending: Int
    }

    /// Every model and dimension with stored vectors.
    public func vectorListStates() async throws -> [VectorListState] {
        try await pool.query(
            """
            WITH newest AS (
                SELECT DISTINCT ON (model, dimension) model, dimension, generation, trained_on
                FROM vector_list_generations ORDER BY model, dimension, generation DESC
            )
            SELECT v.model, v.dimension, count(*) AS vectors, n.generation, n.trained_on,
                   count(*) FILTER (WHERE v.generation IS DISTINCT FROM n.generation) AS pending
            FROM vectors v
            LEFT JOIN newest n ON n.model = v.model AND n.dimension = v.dimension
            GROUP BY v.model, v.dimension, n.generation, n.trained_on
            ORDER BY v.model, v.dimension
            """
        ).map { row in
            VectorListState(
                model: try row.decode(String.self, "model"), dimension: try row.decode(Int.self, "dimension"),
                vectors: try row.decode(Int.self, "vectors"), generation: try row.decode(Int?.self, "generation"),
                trainedOn: try row.decode(Int?.self, "trained_on"), pending: try row.decode(Int.self, "pending")
            )
        }
    }

    /// Up to `count` stored codes of one model and dimension, chosen at random.
    public func sampleCodes(model: String, dimension: Int, count: Int) async throws -> SignCodes {
        var codes = SignCodes(bits: dimension)
        for row in try await pool.query(
            """
            SELECT code::text AS code FROM vectors
            WHERE model = \(model) AND dimension = \(dimension)
            ORDER BY random() LIMIT \(count)
            """)
        {
            codes.append(text: try row.decode(String.self, "code"))
        }
        return codes
    }

    /// Installs `centres` as the model's next generation of lists and returns its number; from
    /// this commit on, new vectors join its lists (the trigger of migration 0025).
    public func installVectorLists(model: String, dimension: Int, centres: SignCodes, trainedOn: Int) async throws -> Int {
        precondition(centres.bits == dimension && centres.count > 0, "centres of \(centres.bits) bits for \(dimension) dimensions")
        let texts = (0..<centres.count).map { centres.text(at: $0) }
        return try await pool.withTransaction { connection in
            let generation = try await connection.query(
                """
                INSERT INTO vector_list_generations (model, dimension, generation, trained_on, lists)
                SELECT \(model), \(dimension), coalesce(max(generation), 0) + 1, \(trainedOn), \(texts.count)
                FROM vector_list_generations WHERE model = \(model) AND dimension = \(dimension)
                RETURNING generation
                """
            ).scalar(Int.self)
            try await connection.query(
                """
                INSERT INTO vector_lists (model, dimension, generation, list, code)
                SELECT \(model), \(dimension), \(generation), ordinality - 1, code::bit varying
                FROM unnest(\(texts)::text[]) WITH ORDINALITY AS centres(code, ordinality)
                """)
            return generation
        }
    }

    /// The centres of one generation, in list order.
    public func vectorListCentres(model: String, dimension: Int, generation: Int) async throws -> SignCodes {
        var centres = SignCodes(bits: dimension)
        for row in try await pool.query(
            """
            SELECT code::text AS code FROM vector_lists
            WHERE model = \(model) AND dimension = \(dimension) AND generation = \(generation)
            ORDER BY list
            """)
        {
            centres.append(text: try row.decode(String.self, "code"))
        }
        return centres
    }

    /// Up to `limit` vectors of the model not yet in `generation` (unassigned, or in an older
    /// generation), with their codes.
    public func vectorsOutside(generation: Int, model: String, dimension: Int, limit: Int) async throws -> (ids: [RunID], codes: SignCodes)
    {
        var ids: [RunID] = []
        var codes = SignCodes(bits: dimension)
        for row in try await pool.query(
            """
            SELECT run_id, code::text AS code FROM vectors
            WHERE model = \(model) AND dimension = \(dimension) AND (generation < \(generation) OR generation IS NULL)
            LIMIT \(limit)
            """)
        {
            // A code that does not parse is left where it is; the search still reads it.
            if codes.append(text: try row.decode(String.self, "code")) { ids.append(try row.decode(RunID.self, "run_id")) }
        }
        return (ids, codes)
    }

    /// Moves vectors into lists of `generation`, one statement for the batch; a vector deleted
    /// meanwhile (pruned) is simply not there to move.
    @discardableResult
    public func assignVectorLists(model: String, generation: Int, _ assignments: [(RunID, Int)]) async throws -> Int {
        guard !assignments.isEmpty else { return 0 }
        return try await pool.query(
            """
            UPDATE vectors v SET generation = \(generation), list = moved.list
            FROM unnest(\(assignments.map(\.0))::uuid[], \(assignments.map { String($0.1) })::text[]::integer[])
                AS moved(run_id, list)
            WHERE v.run_id = moved.run_id AND v.model = \(model)
            """
        ).affectedRows
    }

    /// Removes the generations older than the newest that no vector is in any longer.
    @discardableResult
    public func dropEmptyVectorListGenerations(model: String, dimension: Int) async throws -> Int {
        try await pool.query(
            """
            DELETE FROM vector_list_generations g
            WHERE g.model = \(model) AND g.dimension = \(dimension)
              AND g.generation < (SELECT max(generation) FROM vector_list_generations
                                  WHERE model = \(model) AND dimension = \(dimension))
              AND NOT EXISTS (SELECT 1 FROM vectors v WHERE v.model = g.model AND v.dimension = g.dimension
                              AND v.generation = g.generation)
            """
        ).affectedRows
    }
}
