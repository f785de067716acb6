import Foundation

/// Reads and writes `timestamptz` text without `DateFormatter` (slow, and locale-dependent).
///
/// Connections set `DateStyle` to ISO, so the server writes `2026-11-24 18:29:26.123456+00`
/// (offset as `+HH`, `+HH:MM` or `+HH:MM:SS`). Binds are written as UTC with a `Z`, microsecond
/// precision, which is the server's own precision.
enum PostgresTimestamp {
    static func format(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let (seconds, fraction) = micros.quotientAndRemainder(dividingBy: 1_000_000)
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        var micro = fraction
        if micro < 0 {
            micro += 1_000_000
            secondOfDay -= 1
        }
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = civil(fromDays: Int(days))
        let hour = Int(secondOfDay / 3600)
        let minute = Int(secondOfDay % 3600 / 60)
        let second = Int(secondOfDay % 60)
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(hour, 2) + ":"
            + pad(minute, 2) + ":" + pad(second, 2) + "." + pad(Int(micro), 6) + "Z"
    }

    static func parse(_ text: String) throws(PostgresDecodingFailure) -> Date {
        switch text {
        case "infinity": return .distantFuture
        case "-infinity": return .distantPast
        default: break
        }
        var scanner = DigitScanner(text.utf8)
        func fail() -> PostgresDecodingFailure {
            PostgresDecodingFailure("value \(text.prefix(40)) is not an ISO timestamp")
        }
        guard let year = scanner.number(minDigits: 4), scanner.skip("-"),
            let month = scanner.number(exactDigits: 2), scanner.skip("-"),
            let day = scanner.number(exactDigits: 2), (1...12).contains(month), (1...31).contains(day)
        else { throw fail() }

        var seconds = Double(days(fromCivil: year, month, day)) * 86_400
        if scanner.skip(" ") || scanner.skip("T") {
            guard let hour = scanner.number(exactDigits: 2), scanner.skip(":"),
                let minute = scanner.number(exactDigits: 2), scanner.skip(":"),
                let second = scanner.number(exactDigits: 2)
            else { throw fail() }
            seconds += Double(hour * 3600 + minute * 60 + second)
            if scanner.skip(".") {
                let (digits, count) = scanner.digits()
                guard count > 0 else { throw fail() }
                seconds += Double(digits) / pow(10, Double(count))
            }
            if let sign = scanner.sign() {
                guard let offsetHours = scanner.number(exactDigits: 2) else { throw fail() }
                var offset = offsetHours * 3600
                if scanner.skip(":") {
                    guard let offsetMinutes = scanner.number(exactDigits: 2) else { throw fail() }
                    offset += offsetMinutes * 60
                    if scanner.skip(":") {
                        guard let offsetSeconds = scanner.number(exactDigits: 2) else { throw fail() }
                        offset += offsetSeconds
                    }
                }
                seconds -= Double(sign * offset)
            } else {
                _ = scanner.skip("Z")
            }
        }
        guard scanner.atEnd else { throw fail() }
        return Date(timeIntervalSince1970: seconds)
    }

    // MARK: Civil calendar (proleptic Gregorian), after Howard Hinnant's algorithms

    static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

/// A forward-only reader of ASCII digits and punctuation over UTF-8 bytes.
private struct DigitScanner {
    private let bytes: [UInt8]
    private var index = 0

    init(_ utf8: String.UTF8View) {
        bytes = Array(utf8)
    }

    var atEnd: Bool { index == bytes.count }

    mutating func skip(_ character: Character) -> Bool {
        guard index < bytes.count, let ascii = character.asciiValue, bytes[index] == ascii else { return false }
        index += 1
        return true
    }

    mutating func sign() -> Int? {
        if skip("+") { return 1 }
        if skip("-") { return -1 }
        return nil
    }

    mutating func digits() -> (value: Int, count: Int) {
        var value = 0
        var count = 0
        while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57, count < 18 {
            value = value * 10 + Int(bytes[index] - 48)
            count += 1
            index += 1
        }
        return (value, count)
    }

    mutating func number(exactDigits: Int) -> Int? {
        let (value, count) = digits()
        return count == exactDigits ? value : nil
    }

    mutating func number(minDigits: Int) -> Int? {
        let (value, count) = digits()
        return count >= minDigits ? value : nil
    }
}
