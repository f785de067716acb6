import Foundation

/// Limits one provider's calls across every run in the process: at most `maxConcurrent` in
/// flight, and (optionally) at most `perMinute` started in any sliding minute. Waiters are
/// served in order of arrival; a cancelled waiter leaves the queue.
public actor CallLimiter {
    private let maxConcurrent: Int
    private let perMinute: Int?
    private var inFlight = 0
    private var recentStarts: [ContinuousClock.Instant] = []
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextWaiterID: UInt64 = 0

    public init(maxConcurrent: Int, perMinute: Int?) {
        self.maxConcurrent = max(1, maxConcurrent)
        self.perMinute = perMinute.map { max(1, $0) }
    }

    /// Runs `work` once a slot is free and the minute's budget allows.
    public func run<T: Sendable>(_ work: @Sendable () async throws -> T) async throws -> T {
        try await acquireSlot()
        defer { releaseSlot() }
        while let wait = minuteWait() {
            try await Task.sleep(for: wait)
        }
        recentStarts.append(.now)
        return try await work()
    }

    private func acquireSlot() async throws {
        try Task.checkCancellation()
        if inFlight < maxConcurrent && waiters.isEmpty {
            inFlight += 1
            return
        }
        nextWaiterID += 1
        let id = nextWaiterID
        // Resumed by `releaseSlot`, which hands its slot over (inFlight stays as it is).
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiters.append((id, continuation))
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    private func releaseSlot() {
        if waiters.isEmpty {
            inFlight -= 1
        } else {
            waiters.removeFirst().continuation.resume()
        }
    }

    private func cancelWaiter(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
    }

    /// How long until another call may start under the per-minute limit; nil when it may now.
    private func minuteWait() -> Duration? {
        guard let perMinute else { return nil }
        let now = ContinuousClock.now
        recentStarts.removeAll { $0.duration(to: now) >= .seconds(60) }
        guard recentStarts.count >= perMinute, let oldest = recentStarts.first else { return nil }
        return .seconds(60) - oldest.duration(to: now)
    }
}
