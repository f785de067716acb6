extension Duration {
    /// Whole milliseconds, rounded down: what diagnostics and artifacts record as `duration_ms`.
    public var wholeMilliseconds: Int {
        Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
    }

    /// Seconds, fractional (for `Date` arithmetic and rates).
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// Whole nanoseconds, rounded down (for APIs that count in them: NIO's `TimeAmount`, jitter).
    public var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
