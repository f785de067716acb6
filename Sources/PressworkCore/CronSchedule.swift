import Foundation

/// A cron expression in an IANA time zone: when a schedule fires.
///
/// Daylight-saving time, defined:
/// - A local time that does not exist (the clock springs forward over it) fires once, at the
///   first valid instant after it: the moment of the change (02:30 on a New York spring-forward
///   day fires at 03:00 EDT). Several such times in one gap fire once.
/// - A local time that happens twice (the clock falls back) fires once, at its first occurrence.
/// Both follow from mapping each matching wall-clock time to one instant, in order: the instants
/// never go backwards, and a fire is always strictly after the one before.
public struct CronSchedule: Sendable, Equatable {
    public let expression: CronExpression
    public let timeZone: TimeZone
    /// The zone's offset when it never changes (UTC, fixed offsets): wall time converts
    /// without asking the zone database.
    let fixedOffset: Int64?

    public init(_ expression: CronExpression, timeZone: TimeZone) {
        self.expression = expression
        self.timeZone = timeZone
        let now = Date()
        let changes = timeZone.nextDaylightSavingTimeTransition(after: now.addingTimeInterval(-100 * 365 * 86_400)) != nil
        fixedOffset = changes ? nil : Int64(timeZone.secondsFromGMT(for: now))
    }

    /// Parses both, naming the bad one.
    public init(expression text: String, timeZone identifier: String) throws(CronError) {
        guard let zone = TimeZone(identifier: identifier) else {
            throw CronError(field: "time zone", "\"\(identifier)\" is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)")
        }
        self.init(try CronExpression(text), timeZone: zone)
    }

    /// The first fire strictly after `date`, or nil when the expression never fires again
    /// within the search horizon.
    public func next(after date: Date) -> Date? {
        let reference = Int64(date.timeIntervalSince1970.rounded(.down))
        var local = LocalDateTime(wallSeconds: reference + (fixedOffset ?? Int64(timeZone.secondsFromGMT(for: date))))
        // Each matching wall-clock time maps to one instant; instants are non-decreasing in wall
        // time, so the first one after `date` is the answer. Gap times map onto the same
        // instant (the change); take the first strictly after.
        for _ in 0..<10_000 {
            guard let candidate = expression.nextLocal(after: local) else { return nil }
            let instant = self.instant(of: candidate)
            if instant > reference { return Date(timeIntervalSince1970: TimeInterval(instant)) }
            local = candidate
        }
        return nil
    }

    /// The next `count` fires after `date`.
    public func fires(after date: Date, count: Int) -> [Date] {
        var fires: [Date] = []
        var cursor = date
        while fires.count < count, let fire = next(after: cursor) {
            fires.append(fire)
            cursor = fire
        }
        return fires
    }

    /// Every fire in (from, through].
    public func fires(from start: Date, through end: Date, limit: Int = 100_000) -> [Date] {
        var fires: [Date] = []
        var cursor = start
        while fires.count < limit, let fire = next(after: cursor), fire <= end {
            fires.append(fire)
            cursor = fire
        }
        return fires
    }

    /// The instant (seconds since 1970) a wall-clock time means in this zone: the earlier one
    /// when it happens twice; the moment of the change when it falls in a spring-forward gap.
    func instant(of local: LocalDateTime) -> Int64 {
        let wall = local.wallSeconds
        if let fixedOffset { return wall - fixedOffset }
        // The offsets in force around this wall time: at most two (before and after a change).
        let probes = [wall - 86_400, wall - 43_200, wall, wall + 43_200, wall + 86_400]
        let offsets = Set(probes.map { Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval($0)))) })
        let valid = offsets.map { wall - $0 }.filter { candidate in
            Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(candidate)))) == wall - candidate
        }
        if let earliest = valid.min() { return earliest }
        // In a gap: the wall time under the offset before the change lands after the change;
        // the change itself is the first valid instant after the wall time.
        let before = offsets.min() ?? 0
        let afterChange = wall - before
        let searchFrom = Date(timeIntervalSince1970: TimeInterval(afterChange - 86_400))
        if let change = timeZone.nextDaylightSavingTimeTransition(after: searchFrom),
            Int64(change.timeIntervalSince1970) <= afterChange
        {
            return Int64(change.timeIntervalSince1970.rounded(.up))
        }
        return afterChange
    }
}
