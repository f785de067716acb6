import Foundation
import Logging
import PostgresClient
import PressworkCore
import PressworkPipeline
import PressworkStore
import Synchronization

/// Rounds 3 and 4, a section at a time: checkpoints, bounded concurrency, assembly.
extension RunExecution {
    /// Rounds 3 and 4: the sections already checkpointed (`checkpointed`: the run's start saw
    /// some for this round) are kept; the missing ones run concurrently (bounded), each
    /// committed as it finishes; then the round is assembled.
    func perSection<Section: SchemaDescribed>(
        _ round: Round, params: RunParams, count: Int, as: Section.Type, checkpointed: Bool,
        until deadline: ContinuousClock.Instant,
        _ work: @escaping @Sendable (Int) async throws -> RoundOutput<Section>
    ) async throws -> RoundResult {
        let roundMeter = RunContext.meter
        var sections: [Int: Section] = [:]
        // Sections kept from an earlier attempt count in the round's usage: they were paid for,
        // and only the round's commit adds usage to the run's totals. (Their cost is in `spent`
        // since the execution began.)
        var usage = TokenUsage.zero
        let stored = checkpointed ? try await store.checkpoints(lease.runID, round: round) : [:]
        for (index, checkpoint) in stored where index < count {
            sections[index] = try JSONDecoder().decode(Section.self, from: Data(checkpoint.payload.utf8))
            usage = usage + TokenUsage(input: checkpoint.tokensIn, output: checkpoint.tokensOut, costUSD: checkpoint.costUSD)
        }
        let missing = (0..<count).filter { sections[$0] == nil }
        var warnings: [String] = []
        // A section that fails stops new sections from starting, but those already running finish
        // and are checkpointed: their (possibly paid) work is kept for the retry.
        var firstFailure: (any Error)?
        try await withThrowingTaskGroup(of: (Int, Result<RoundOutput<Section>, any Error>, Int).self) { group in
            var next = missing.makeIterator()
            func startNext() {
                guard firstFailure == nil, let index = next.next() else { return }
                do {
                    try checkBudget(params, before: round)
                } catch {
                    firstFailure = error
                    return
                }
                group.addTask {
                    let started = ContinuousClock.now
                    let result: Result<RoundOutput<Section>, any Error>
                    // A section's own meter: what its repairs and retries spent goes into its
                    // checkpoint when it succeeds, and into the round's meter when it fails.
                    let sectionMeter = SpendMeter { spent.add($0.costUSD) }
                    do {
                        var output = try await RunContext.$meter.withValue(sectionMeter) {
                            try await attempt(round, section: index, until: deadline) { try await work(index) }
                        }
                        output.usage = output.usage + sectionMeter.total
                        result = .success(output)
                    } catch {
                        result = .failure(error)
                    }
                    let waste = sectionMeter.total
                    if case .failure = result {
                        // Counted in the budget already; the round's failure records it.
                        roundMeter?.add(waste, forwarding: false)
                    } else {
                        spent.add(-waste.costUSD)
                    }
                    return (index, result, started.duration(to: .now).wholeMilliseconds)
                }
            }
            for _ in 0..<configuration.sectionConcurrency { startNext() }
            while let (index, result, durationMs) = try await group.next() {
                switch result {
                case .success(let output):
                    warnings += output.warnings
                    let checkpoint = SectionCheckpoint(
                        lease: lease, round: round, section: index, payload: try ArtifactJSON.encode(output.value),
                        durationMs: durationMs, tokensIn: output.usage.input, tokensOut: output.usage.output,
                        costUSD: output.usage.costUSD)
                    sections[index] = output.value
                    usage = usage + output.usage
                    // Counted before the next section's budget check, which need not wait for
                    // this one's checkpoint: the statement queues with many others.
                    spent.add(output.usage.costUSD)
                    startNext()
                    try await checkpoints.submit(checkpoint)
                    progress(.sectionFinished(round, index: index, done: sections.count, total: count))
                case .failure(let error):
                    if error is LeaseLost || error is CancellationError { throw error }
                    firstFailure = firstFailure ?? SectionFailure(section: index, underlying: error)
                    startNext()
                }
            }
        }
        if let firstFailure { throw firstFailure }
        let ordered = (0..<count).compactMap { sections[$0] }
        let reused = count - missing.count
        var result = RoundResult(
            payload: try ArtifactJSON.encode(ordered), usage: usage, warnings: warnings,
            summary: "\(count) sections" + (reused > 0 ? " (\(reused) kept from an earlier attempt)" : ""),
            vector: nil
        )
        result.countedAsSpent = true
        return result
    }
}
