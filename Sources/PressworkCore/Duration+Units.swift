extension Duration {
    /// Whole milliseconds, rounded down: what diagnostics and artifacts record as `duration_ms`.
    public var wholeMilliseconds: Int {
        Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
    }
}
