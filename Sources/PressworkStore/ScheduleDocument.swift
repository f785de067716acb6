import Foundation
import PressworkCore

extension ScheduleRecord {
    /// The schedule as JSON (`schedules show --json`, the API): {name, cron, timeZone, enabled,
    /// misfire, catchUpLimit, overlap, maxActive, nextFireAt, lastFireAt, fires {run, missed,
    /// skipped}, params, disabledReason, recentFires [{fireAt, outcome, runId}] (when given)}.
    public func document(fires: [ScheduleFire] = []) -> JSONValue {
        func iso(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle()) }
        func date(_ value: Date?) -> JSONValue { value.map { .string(iso($0)) } ?? .null }
        var fields: [(String, JSONValue)] = [
            ("name", .string(name)), ("cron", .string(cron)), ("timeZone", .string(timeZone)),
            ("enabled", .bool(enabled)), ("misfire", .string(misfire.rawValue)),
            ("catchUpLimit", .number(Double(catchUpLimit))), ("overlap", .string(overlap.rawValue)),
            ("maxActive", maxActive.map { .number(Double($0)) } ?? .null),
            ("nextFireAt", date(nextFireAt)), ("lastFireAt", date(lastFireAt)),
            (
                "fires",
                .object([
                    ("run", .number(Double(firesRun))), ("missed", .number(Double(firesMissed))),
                    ("skipped", .number(Double(firesSkipped))),
                ])
            ),
            ("params", (try? JSONValue.encoding(params)) ?? .null),
            ("disabledReason", disabledReason.map(JSONValue.string) ?? .null),
        ]
        if !fires.isEmpty {
            fields.append(
                (
                    "recentFires",
                    .array(
                        fires.map { fire in
                            .object([
                                ("fireAt", .string(iso(fire.fireAt))), ("outcome", .string(fire.outcome)),
                                ("runId", fire.runID.map { .string($0.description) } ?? .null),
                            ])
                        })
                ))
        }
        return .object(fields)
    }
}
