import Foundation
import Testing

@testable import PressworkCore

/// Cron parsing and next-fire computation, table-driven, with the DST cases the design defines:
/// a local time skipped by spring-forward fires once at the change; one repeated by fall-back
/// fires once, at its first occurrence.
@Suite struct CronScheduleTests {
    static func instant(_ text: String) -> Date {
        ISO8601DateFormatter().date(from: text)!
    }

    static func iso(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let expression: String
        let zone: String
        let after: String
        let expected: [String]
        var testDescription: String { "\(expression) in \(zone) after \(after)" }
    }

    static let cases: [Case] = [
        Case(
            expression: "*/15 * * * *", zone: "UTC", after: "2026-01-01T00:07:00Z",
            expected: ["2026-01-01T00:15:00Z", "2026-01-01T00:30:00Z", "2026-01-01T00:45:00Z", "2026-01-01T01:00:00Z"]),
        // Weekdays only, in Berlin's winter time (UTC+1): Friday's fire, then Monday's.
        Case(
            expression: "0 9 * * MON-FRI", zone: "Europe/Berlin", after: "2026-11-27T07:00:00Z",
            expected: ["2026-11-27T08:00:00Z", "2026-11-30T08:00:00Z"]),
        // New York springs forward on 2026-03-08 at 02:00 EST: 02:30 does not exist and fires at
        // the change (03:00 EDT = 07:00Z); the next day 02:30 EDT is 06:30Z.
        Case(
            expression: "30 2 * * *", zone: "America/New_York", after: "2026-03-07T12:00:00Z",
            expected: ["2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"]),
        // Every minute of the missing hour fires once, at the change.
        Case(
            expression: "* 2 * * *", zone: "America/New_York", after: "2026-03-08T06:00:00Z",
            expected: ["2026-03-08T07:00:00Z", "2026-03-09T06:00:00Z", "2026-03-09T06:01:00Z"]),
        // New York falls back on 2026-11-01 at 02:00 EDT: 01:30 happens at 05:30Z and 06:30Z; it
        // fires at the first.
        Case(
            expression: "30 1 * * *", zone: "America/New_York", after: "2026-10-31T12:00:00Z",
            expected: ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"]),
        // Hourly across the fall-back: 01:00 once (EDT), then 02:00 EST.
        Case(
            expression: "0 * * * *", zone: "America/New_York", after: "2026-11-01T04:30:00Z",
            expected: ["2026-11-01T05:00:00Z", "2026-11-01T07:00:00Z", "2026-11-01T08:00:00Z"]),
        // Berlin springs forward on 2026-03-29 (02:00 CET → 03:00 CEST, at 01:00Z).
        Case(
            expression: "30 2 * * *", zone: "Europe/Berlin", after: "2026-03-28T12:00:00Z",
            expected: ["2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"]),
        // Berlin falls back on 2026-10-25 (03:00 CEST → 02:00 CET): 02:30 first at 00:30Z.
        Case(
            expression: "30 2 * * *", zone: "Europe/Berlin", after: "2026-10-24T12:00:00Z",
            expected: ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"]),
        // Lord Howe Island shifts by 30 minutes. On 2026-10-04 02:00 LHST (+10:30) becomes 02:30
        // LHDT (+11): 02:15 does not exist and fires at the change, 15:30Z the day before.
        Case(
            expression: "15 2 * * *", zone: "Australia/Lord_Howe", after: "2026-10-03T12:00:00Z",
            expected: ["2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z"]),
        // On 2026-04-05 02:00 LHDT becomes 01:30 LHST: 01:45 happens twice, first at 14:45Z.
        Case(
            expression: "45 1 * * *", zone: "Australia/Lord_Howe", after: "2026-04-04T12:00:00Z",
            expected: ["2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z"]),
        // Leap days.
        Case(
            expression: "0 12 29 2 *", zone: "UTC", after: "2026-01-01T00:00:00Z",
            expected: ["2028-02-29T12:00:00Z", "2032-02-29T12:00:00Z"]),
        // The last day of the month, leap February included.
        Case(
            expression: "0 0 L * *", zone: "UTC", after: "2028-01-15T00:00:00Z",
            expected: ["2028-01-31T00:00:00Z", "2028-02-29T00:00:00Z", "2028-03-31T00:00:00Z", "2028-04-30T00:00:00Z"]),
        // A seconds field.
        Case(
            expression: "*/20 * * * * *", zone: "UTC", after: "2026-01-01T00:00:05Z",
            expected: ["2026-01-01T00:00:20Z", "2026-01-01T00:00:40Z", "2026-01-01T00:01:00Z"]),
        // Macros: @weekly is Sunday midnight; 2026-11-24 is a Tuesday.
        Case(
            expression: "@weekly", zone: "UTC", after: "2026-11-24T10:00:00Z",
            expected: ["2026-11-29T00:00:00Z", "2026-12-06T00:00:00Z"]),
        Case(
            expression: "@yearly", zone: "Europe/Berlin", after: "2026-11-24T10:00:00Z",
            expected: ["2026-12-31T23:00:00Z", "2027-12-31T23:00:00Z"]),
        // Day-of-month and day-of-week both restricted: either matches (Friday the 13th and
        // every Friday). November 2026: Fridays 27; the 13th is a Friday too; December: 4, 11, 13.
        Case(
            expression: "0 0 13 * FRI", zone: "UTC", after: "2026-11-26T00:00:00Z",
            expected: ["2026-11-27T00:00:00Z", "2026-12-04T00:00:00Z", "2026-12-11T00:00:00Z", "2026-12-13T00:00:00Z"]),
        // Lists, ranges with steps, names, and Sunday as 7.
        Case(
            expression: "0 8-18/5,22 * JAN,jul 7", zone: "UTC", after: "2027-01-01T00:00:00Z",
            expected: ["2027-01-03T08:00:00Z", "2027-01-03T13:00:00Z", "2027-01-03T18:00:00Z", "2027-01-03T22:00:00Z"]),
    ]

    @Test(arguments: cases)
    func nextFires(_ scenario: Case) throws {
        let schedule = try CronSchedule(expression: scenario.expression, timeZone: scenario.zone)
        let fires = schedule.fires(after: Self.instant(scenario.after), count: scenario.expected.count)
        #expect(fires.map(Self.iso) == scenario.expected)
    }

    @Test(arguments: [
        ("61 * * * *", "minute: 61 is out of range 0–59"),
        ("* * * *", "expression: has 4 field(s); expected 5"),
        ("0 0 31 4 *", "day-of-month: day 31 never occurs in the selected month(s)"),
        ("0 0 30 FEB *", "day-of-month: day 30 never occurs"),
        ("0 0 * JANUARY *", "month: \"JANUARY\" is not a number or a name"),
        ("*/0 * * * *", "minute: step \"0\" must be a positive number"),
        ("5-1 * * * *", "minute: range 5-1 runs backwards"),
        ("0 24 * * *", "hour: 24 is out of range 0–23"),
        ("0 0 * * 8", "day-of-week: 8 is out of range 0–7"),
        ("1,,2 * * * *", "minute: has an empty list item"),
        ("@fortnightly", "expression: @fortnightly is not a known macro"),
    ])
    func badExpressionsNameTheFieldAndTheReason(expression: String, message: String) {
        #expect {
            _ = try CronExpression(expression)
        } throws: { error in
            "\(error)".hasPrefix(message)
        }
    }

    @Test func unknownZonesAreRefused() {
        #expect(
            throws: CronError(
                field: "time zone",
                "\"Mars/Olympus\" is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)")
        ) {
            try CronSchedule(expression: "@daily", timeZone: "Mars/Olympus")
        }
    }

    @Test func firesInAWindowAreExactlyThoseOfTheStepping() throws {
        let schedule = try CronSchedule(expression: "*/7 * * * *", timeZone: "America/New_York")
        let window = schedule.fires(from: Self.instant("2026-11-01T04:00:00Z"), through: Self.instant("2026-11-01T08:00:00Z"))
        // Every 7 minutes by the local clock; the repeated hour (01:00–02:00 EST) fires nothing
        // that already fired, and the fires only ever move forward.
        #expect(zip(window, window.dropFirst()).allSatisfy { $0 < $1 })
        #expect(window.first.map(Self.iso) == "2026-11-01T04:07:00Z")
        #expect(!window.contains { (Self.instant("2026-11-01T06:00:00Z")..<Self.instant("2026-11-01T07:00:00Z")).contains($0) })
    }

    @Test func civilDatesRoundTrip() {
        for days in stride(from: -800_000, through: 800_000, by: 997) {
            let (year, month, day) = CivilDate.civil(days: days)
            #expect(CivilDate.days(year: year, month: month, day: day) == days)
        }
        #expect(CivilDate.weekday(year: 2026, month: 11, day: 24) == 2)
        #expect(CivilDate.weekday(year: 2000, month: 2, day: 29) == 2)
    }
}
