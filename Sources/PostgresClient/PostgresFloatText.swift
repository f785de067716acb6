/// Postgres spells the special floating-point values `NaN`, `Infinity` and `-Infinity`.
enum PostgresFloatText {
    static func format<F: BinaryFloatingPoint & LosslessStringConvertible>(_ value: F) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        return value.description
    }

    static func parse<F: BinaryFloatingPoint & LosslessStringConvertible>(_ text: String, as: F.Type) -> F? {
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default: return F(text)
        }
    }
}
