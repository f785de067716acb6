import ArgumentParser

/// A length of time on the command line: a whole number and a unit, `s` seconds, `m` minutes,
/// `h` hours, `d` days or `w` weeks (`30d`, `12h`, `90m`); several may follow each other
/// (`1d12h`).
struct DurationArgument: ExpressibleByArgument, Sendable, CustomStringConvertible {
    let duration: Duration
    let description: String

    init(_ description: String, _ duration: Duration) {
        self.description = description
        self.duration = duration
    }

    init?(argument: String) {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800]
        var total: Int64 = 0
        var digits = ""
        for character in argument {
            if character.isASCII, character.isNumber {
                digits.append(character)
            } else if let unit = units[character], let number = Int64(digits), number <= 100_000_000 {
                total += number * unit
                digits = ""
            } else {
                return nil
            }
        }
        guard digits.isEmpty, total > 0 else { return nil }
        self.init(argument, .seconds(total))
    }

    var defaultValueDescription: String { description }
}
