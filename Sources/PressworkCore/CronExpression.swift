/// A cron expression: five fields (minute hour day-of-month month day-of-week), or six with a
/// leading seconds field, or a macro (`@hourly`, `@daily`/`@midnight`, `@weekly`, `@monthly`,
/// `@yearly`/`@annually`).
///
/// Each field is a list (`1,15`) of `*`, a value, a range (`1-5`), each with an optional step
/// (`*/15`, `0-30/10`, `5/20` = from 5 to the end by 20). Months and weekdays take names (`JAN`,
/// `MON`); weekday 0 and 7 are Sunday. Day-of-month may be `L`, the month's last day. As in
/// Vixie cron, when both day-of-month and day-of-week are restricted a day matches if either
/// does. A bad expression is refused naming the field and the reason.
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    public let source: String
    let seconds: Set<Int>
    let minutes: Set<Int>
    let hours: Set<Int>
    let daysOfMonth: Set<Int>
    /// `L` in the day-of-month field.
    let lastDayOfMonth: Bool
    let months: Set<Int>
    /// 0 = Sunday … 6 = Saturday.
    let weekdays: Set<Int>
    let dayOfMonthRestricted: Bool
    let weekdayRestricted: Bool

    public var description: String { source }

    static let macros = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let weekdayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    /// Longer than any sensible expression (lists of every minute and hour fit in 300).
    public static let maxLength = 1_000

    public init(_ text: String) throws(CronError) {
        guard text.utf8.count <= Self.maxLength else {
            throw CronError(field: "expression", "is \(text.utf8.count) bytes long; a cron expression has at most \(Self.maxLength)")
        }
        let trimmed = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        source = trimmed
        var expanded = trimmed
        if trimmed.hasPrefix("@") {
            guard let macro = Self.macros[trimmed.lowercased()] else {
                throw CronError(
                    field: "expression",
                    "\(trimmed) is not a known macro; use one of "
                        + Self.macros.keys.sorted().joined(separator: ", "))
            }
            expanded = macro
        }
        var fields = expanded.split(separator: " ").map(String.init)
        guard fields.count == 5 || fields.count == 6 else {
            throw CronError(
                field: "expression",
                "has \(fields.count) field(s); expected 5 (minute hour day-of-month month "
                    + "day-of-week) or 6 (with seconds first)")
        }
        if fields.count == 5 { fields.insert("0", at: 0) }
        seconds = try Self.parse(fields[0], name: "second", range: 0...59)
        minutes = try Self.parse(fields[1], name: "minute", range: 0...59)
        hours = try Self.parse(fields[2], name: "hour", range: 0...23)
        let dayField = fields[3].uppercased()
        lastDayOfMonth = dayField.split(separator: ",").contains("L")
        let otherDays = dayField.split(separator: ",").filter { $0 != "L" }.joined(separator: ",")
        daysOfMonth = otherDays.isEmpty ? [] : try Self.parse(otherDays, name: "day-of-month", range: 1...31)
        months = try Self.parse(fields[4], name: "month", range: 1...12, names: Self.monthNames, firstNameValue: 1)
        let weekdayValues = try Self.parse(fields[5], name: "day-of-week", range: 0...7, names: Self.weekdayNames, firstNameValue: 0)
        weekdays = Set(weekdayValues.map { $0 == 7 ? 0 : $0 })
        dayOfMonthRestricted = fields[3] != "*" && fields[3] != "?"
        weekdayRestricted = fields[5] != "*" && fields[5] != "?"
        // A day-of-month that no selected month has (31 in April only, 30 February) never fires.
        if dayOfMonthRestricted && !weekdayRestricted && !lastDayOfMonth,
            let smallest = daysOfMonth.min(), months.allSatisfy({ smallest > Self.maximumDays(inMonth: $0) })
        {
            throw CronError(field: "day-of-month", "day \(smallest) never occurs in the selected month(s)")
        }
    }

    private static func parse(
        _ field: String, name: String, range: ClosedRange<Int>, names: [String] = [], firstNameValue: Int = 0
    ) throws(CronError) -> Set<Int> {
        guard !field.isEmpty else { throw CronError(field: name, "is empty") }
        func value(_ text: Substring) throws(CronError) -> Int {
            if let number = Int(text) {
                guard range.contains(number) else {
                    throw CronError(field: name, "\(number) is out of range \(range.lowerBound)–\(range.upperBound)")
                }
                return number
            }
            if let index = names.firstIndex(of: text.uppercased()) { return index + firstNameValue }
            throw CronError(
                field: name, "\"\(text)\" is not a number" + (names.isEmpty ? "" : " or a name (\(names.joined(separator: ", ")))"))
        }
        var values: Set<Int> = []
        for item in field.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw CronError(field: name, "has an empty list item in \"\(field)\"") }
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw CronError(field: name, "\"\(item)\" has more than one step") }
            var step = 1
            if parts.count == 2 {
                guard let parsed = Int(parts[1]), parsed > 0 else {
                    throw CronError(field: name, "step \"\(parts[1])\" must be a positive number")
                }
                step = parsed
            }
            let base = parts[0]
            var lower: Int
            var upper: Int
            if base == "*" || base == "?" {
                (lower, upper) = (range.lowerBound, range.upperBound)
            } else if let dash = base.firstIndex(of: "-") {
                lower = try value(base[..<dash])
                upper = try value(base[base.index(after: dash)...])
                guard lower <= upper else {
                    throw CronError(field: name, "range \(base) runs backwards")
                }
            } else {
                lower = try value(base)
                upper = parts.count == 2 ? range.upperBound : lower
            }
            values.formUnion(stride(from: lower, through: upper, by: step))
        }
        return values
    }

    static func maximumDays(inMonth month: Int) -> Int {
        month == 2 ? 29 : [4, 6, 9, 11].contains(month) ? 30 : 31
    }

    // MARK: Matching local date-times

    func matchesDay(year: Int, month: Int, day: Int) -> Bool {
        let last = CivilDate.daysIn(year: year, month: month)
        let byDayOfMonth = daysOfMonth.contains(day) || (lastDayOfMonth && day == last)
        let byWeekday = weekdays.contains(CivilDate.weekday(year: year, month: month, day: day))
        switch (dayOfMonthRestricted, weekdayRestricted) {
        case (true, true): return byDayOfMonth || byWeekday
        case (true, false): return byDayOfMonth
        case (false, true): return byWeekday
        case (false, false): return true
        }
    }

    /// The first local date-time strictly after `after` that matches, searching at most
    /// `years` years ahead (nil when none: `0 0 29 2 1` can take 28 years).
    func nextLocal(after start: LocalDateTime, years: Int = 30) -> LocalDateTime? {
        var t = start.adding(seconds: 1)
        let limit = start.year + years
        while t.year <= limit {
            guard months.contains(t.month) else {
                t = LocalDateTime.startOfMonth(after: t)
                continue
            }
            guard t.day <= CivilDate.daysIn(year: t.year, month: t.month), matchesDay(year: t.year, month: t.month, day: t.day) else {
                t = LocalDateTime.startOfDay(after: t)
                continue
            }
            guard hours.contains(t.hour) else {
                if let hour = hours.filter({ $0 > t.hour }).min() {
                    t = LocalDateTime(year: t.year, month: t.month, day: t.day, hour: hour, minute: 0, second: 0)
                } else {
                    t = LocalDateTime.startOfDay(after: t)
                }
                continue
            }
            guard minutes.contains(t.minute) else {
                if let minute = minutes.filter({ $0 > t.minute }).min() {
                    t = LocalDateTime(year: t.year, month: t.month, day: t.day, hour: t.hour, minute: minute, second: 0)
                } else {
                    t = LocalDateTime(year: t.year, month: t.month, day: t.day, hour: t.hour, minute: 59, second: 59).adding(seconds: 1)
                }
                continue
            }
            guard seconds.contains(t.second) else {
                if let second = seconds.filter({ $0 > t.second }).min() {
                    t.second = second
                } else {
                    t = LocalDateTime(year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: 59).adding(
                        seconds: 1)
                }
                continue
            }
            return t
        }
        return nil
    }
}

/// A cron expression that names no valid instant, with the field and the reason.
public struct CronError: Refusal, Equatable {
    public var code: RefusalCode { .invalid }
    public var inputField: String? { "cron" }
    public let field: String
    public let reason: String

    public init(field: String, _ reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}

/// A wall-clock date and time, without a zone.
public struct LocalDateTime: Sendable, Equatable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// Seconds since 1970-01-01T00:00:00 of the same wall clock (as if the zone were UTC).
    public var wallSeconds: Int64 {
        Int64(CivilDate.days(year: year, month: month, day: day)) * 86_400 + Int64(hour * 3_600 + minute * 60 + second)
    }

    public init(wallSeconds: Int64) {
        let days = Int(wallSeconds.floorDivided(by: 86_400))
        let rest = Int(wallSeconds - Int64(days) * 86_400)
        let (year, month, day) = CivilDate.civil(days: days)
        self.init(year: year, month: month, day: day, hour: rest / 3_600, minute: rest % 3_600 / 60, second: rest % 60)
    }

    func adding(seconds: Int64) -> LocalDateTime {
        LocalDateTime(wallSeconds: wallSeconds + seconds)
    }

    static func startOfDay(after t: LocalDateTime) -> LocalDateTime {
        LocalDateTime(wallSeconds: Int64(CivilDate.days(year: t.year, month: t.month, day: t.day) + 1) * 86_400)
    }

    static func startOfMonth(after t: LocalDateTime) -> LocalDateTime {
        t.month == 12
            ? LocalDateTime(year: t.year + 1, month: 1, day: 1, hour: 0, minute: 0)
            : LocalDateTime(year: t.year, month: t.month + 1, day: 1, hour: 0, minute: 0)
    }

    public static func < (lhs: LocalDateTime, rhs: LocalDateTime) -> Bool { lhs.wallSeconds < rhs.wallSeconds }

    public var description: String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(hour)):\(two(minute)):\(two(second))"
    }
}

/// Proleptic Gregorian calendar arithmetic (Howard Hinnant's days-from-civil), so that cron
/// matching needs no Calendar and no time zone.
enum CivilDate {
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func isLeap(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysIn(year: Int, month: Int) -> Int {
        month == 2 ? (isLeap(year) ? 29 : 28) : CronExpression.maximumDays(inMonth: month)
    }

    /// 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday).
    static func weekday(year: Int, month: Int, day: Int) -> Int {
        let days = self.days(year: year, month: month, day: day)
        return ((days % 7) + 11) % 7
    }
}

extension Int64 {
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
