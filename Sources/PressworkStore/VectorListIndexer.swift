import Foundation
import Logging
import PostgresClient
import PressworkCore

/// Keeps the duplicate check's code lists (migration 0025) fitted to the corpus: trains a model's
/// first generation of lists once its corpus is large enough for a full scan of codes to cost
/// something, a new generation when the corpus has grown well past what the newest was trained
/// on, and moves the vectors into the newest generation in batches (finishing a move an earlier,
/// interrupted refresh began).
///
/// Run by maintenance (`presswork serve`'s maintenance service and `presswork prune`), one
/// process at a time under the maintenance log's lock. Searches stay correct at every step: a
/// check reads the nearest lists of every generation that still holds vectors, and every
/// unassigned vector.
public struct VectorListIndexer: Sendable {
    /// When lists are worth having, and how many.
    public struct Policy: Sendable, Equatable {
        /// The corpus size at which a model gets its first lists. Below it a check reads every
        /// code, which costs little at that size (the scan is linear: 48.7 ms p95 at 100,000
        /// vectors with every code read, BENCHMARKS.md).
        public var minimumVectors: Int
        /// A new generation once the corpus is this many times what the newest was trained on.
        public var growth: Int
        /// The codes k-majority trains on, per list.
        public var samplePerList: Int
        /// Vectors moved per statement.
        public var batchSize: Int
        /// Lists per √n vectors. More lists than the corpus has subjects keeps a subject in one
        /// or a few lists: the majority code of a list that mixes several subjects describes none
        /// of them (measured: at √n lists for 100,000 vectors on 1,000 topics, a topic's articles
        /// spread over 20 lists and the nearest was found 84 % of the time; at 4√n, 1.3 lists and
        /// 100 %; BENCHMARKS.md).
        public var listsPerRoot: Double

        public init(
            minimumVectors: Int = 20_000, growth: Int = 4, samplePerList: Int = 32, batchSize: Int = 5_000,
            listsPerRoot: Double = 4
        ) {
            self.minimumVectors = max(1, minimumVectors)
            self.growth = max(2, growth)
            self.samplePerList = max(1, samplePerList)
            self.batchSize = max(1, batchSize)
            self.listsPerRoot = max(0.1, listsPerRoot)
        }

        /// About c·√n lists (c = `listsPerRoot`), so that a list holds about √n / c vectors
        /// and a check reading a fixed number of lists reads a number of codes that grows with
        /// √n, not n.
        public func lists(for vectors: Int) -> Int {
            min(8_192, max(16, Int((listsPerRoot * Double(vectors).squareRoot()).rounded())))
        }
    }

    /// What one refresh did.
    public struct Report: Sendable, Equatable, Codable {
        public var trained: [String] = []
        public var moved = 0
        public var generationsDropped = 0
        public var durationMs = 0
    }

    let store: RunStore
    let policy: Policy
    let logger: Logger

    public init(store: RunStore, policy: Policy = Policy(), logger: Logger = Logger(label: "presswork.vector-lists")) {
        self.store = store
        self.policy = policy
        self.logger = logger
    }

    /// Trains where due and moves what is pending, for every model with stored vectors.
    public func refresh() async throws -> Report {
        let started = ContinuousClock.now
        var report = Report()
        var generator = SystemRandomNumberGenerator()
        for state in try await store.vectorListStates() {
            try Task.checkCancellation()
            var generation = state.generation
            if isDue(state) {
                let lists = policy.lists(for: state.vectors)
                let sample = try await store.sampleCodes(
                    model: state.model, dimension: state.dimension, count: lists * policy.samplePerList)
                let centres = sample.centres(count: lists, using: &generator)
                guard centres.count > 0 else { continue }
                let installed = try await store.installVectorLists(
                    model: state.model, dimension: state.dimension, centres: centres, trainedOn: state.vectors)
                generation = installed
                report.trained.append("\(state.model)/\(state.dimension): generation \(installed), \(centres.count) lists")
                logger.notice(
                    "trained code lists",
                    metadata: [
                        "model": "\(state.model)", "dimension": "\(state.dimension)", "generation": "\(installed)",
                        "lists": "\(centres.count)", "vectors": "\(state.vectors)",
                    ])
            }
            guard let generation, state.pending > 0 || generation != state.generation else { continue }
            report.moved += try await move(model: state.model, dimension: state.dimension, into: generation)
            report.generationsDropped += try await store.dropEmptyVectorListGenerations(model: state.model, dimension: state.dimension)
        }
        report.durationMs = Int(started.duration(to: .now).seconds * 1000)
        return report
    }

    /// `refresh()` under the maintenance log's `vector_lists` lock and record, as `serve`'s
    /// maintenance service and `presswork prune` run it; logs what it did when it did anything.
    /// Nil when another process holds the lock, or (with `interval`) when the last refresh
    /// finished less than that ago.
    @discardableResult
    public func refresh(recordedIn log: MaintenanceLog, owner: String, unlessFinishedWithin interval: Duration? = nil)
        async throws -> Report?
    {
        guard
            let report = try await log.run(.vectorLists, owner: owner, unlessFinishedWithin: interval, { _ in try await refresh() })
        else { return nil }
        if !report.trained.isEmpty || report.moved > 0 {
            logger.notice(
                "refreshed code lists",
                metadata: [
                    "trained": "\(report.trained.joined(separator: "; "))", "moved": "\(report.moved)",
                    "duration_ms": "\(report.durationMs)",
                ])
        }
        return report
    }

    func isDue(_ state: RunStore.VectorListState) -> Bool {
        guard let trainedOn = state.trainedOn else { return state.vectors >= policy.minimumVectors }
        return state.vectors >= trainedOn * policy.growth
    }

    /// Moves every vector outside `generation` into its nearest list there, a batch per statement.
    private func move(model: String, dimension: Int, into generation: Int) async throws -> Int {
        let centres = try await store.vectorListCentres(model: model, dimension: dimension, generation: generation)
        guard centres.count > 0 else { return 0 }
        var moved = 0
        while true {
            try Task.checkCancellation()
            let batch = try await store.vectorsOutside(
                generation: generation, model: model, dimension: dimension, limit: policy.batchSize)
            guard !batch.ids.isEmpty else { break }
            let assignments = batch.ids.indices.map { (batch.ids[$0], batch.codes.nearest($0, among: centres)) }
            let count = try await store.assignVectorLists(model: model, generation: generation, assignments)
            // Nothing moved although vectors were found: they went away meanwhile, or cannot
            // move; the next refresh tries again rather than this one looping.
            guard count > 0 else { break }
            moved += count
        }
        return moved
    }
}
