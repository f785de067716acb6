import Testing

/// Waits until `condition` holds, checking every 50 ms; records an issue naming `what` when it
/// does not within `timeout`. The timeout guards against a hung test, it is not a measure of
/// speed: with every suite running at once on CI's two cores, a run takes many times its
/// unloaded seconds, so it is generous.
func waitFor(_ what: String, timeout: Duration = .seconds(90), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("timed out waiting for \(what)")
}
