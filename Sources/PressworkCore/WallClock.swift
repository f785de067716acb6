import Foundation

/// Where a decision that depends on the time of day gets it.
///
/// Everything that compares with "now" (feed freshness, schedule fires, leases, retention,
/// monitoring thresholds) takes a `WallClock` instead of calling `Date()`, so that tests fix the
/// time and never depend on the day they run. Production code uses ``system``.
public struct WallClock: Sendable {
    private let read: @Sendable () -> Date

    /// A clock that reads `read` each time it is asked.
    public init(_ read: @escaping @Sendable () -> Date) {
        self.read = read
    }

    /// The current time.
    public func now() -> Date { read() }

    /// The machine's clock.
    public static let system = WallClock { Date() }

    /// A clock stopped at `instant`.
    public static func fixed(_ instant: Date) -> WallClock {
        WallClock { instant }
    }
}
