/// A statement with its bind parameters: safe SQL by construction.
///
/// Written as a string literal, every interpolated value becomes a parameter (`$1`, `$2`…) and
/// never part of the SQL text:
///
/// ```swift
/// let rows = try await pool.query("SELECT id FROM runs WHERE status = \(status) LIMIT \(limit)")
/// ```
///
/// SQL text that is not a literal (a named query loaded from `sql/`) goes through the loud
/// `init(unsafeSQL:binds:)` spelling, with its parameters passed separately.
public struct PostgresQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The SQL text with `$n` placeholders.
    public var sql: String
    /// The parameters, in placeholder order, already encoded as text.
    public var binds: [PostgresBind]
    /// An encoding failure met while interpolating; thrown when the query is run.
    var encodingError: PostgresError?

    /// SQL text from somewhere other than a literal. Never build it from user input; pass values
    /// in `binds` and refer to them as `$1`, `$2`…
    public init(unsafeSQL sql: String, binds: [PostgresBind] = []) {
        self.sql = sql
        self.binds = binds
    }

    /// A statement without parameters.
    public init(stringLiteral value: String) {
        sql = value
        binds = []
    }

    /// A statement whose interpolated values became its parameters.
    public init(stringInterpolation: StringInterpolation) {
        sql = stringInterpolation.sql
        binds = stringInterpolation.binds
        encodingError = stringInterpolation.encodingError
    }

    /// The SQL text only: bind values are never part of a description, so queries can be logged.
    public var description: String { sql }

    /// Builds the SQL text and its parameters as a literal is read: literal parts go into the
    /// text, each interpolated value becomes the next `$n`.
    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = ""
        var binds: [PostgresBind] = []
        var encodingError: PostgresError?

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        /// Appends `$n` and binds the value as parameter n.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value) {
            bind(value)
        }

        /// Appends `$n` bound to the value, or to NULL (typed as `Value`) when it is nil.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            bind(value)
        }

        /// Splices SQL text into the statement as it is: for constant fragments (a column list)
        /// only, never for values. The loud label makes every use easy to find and review.
        public mutating func appendInterpolation(unsafeRaw sql: String) {
            self.sql += sql
        }

        /// Embeds another query (a shared fragment such as a fence), renumbering its `$n`
        /// placeholders after the binds already here and taking over its binds. Fragments are
        /// built by interpolation, so their only `$n` are placeholders.
        public mutating func appendInterpolation(fragment: PostgresQuery) {
            if let error = fragment.encodingError { encodingError = encodingError ?? error }
            let offset = binds.count
            var text = ""
            var characters = fragment.sql.makeIterator()
            var pending: Character? = characters.next()
            while let character = pending {
                pending = characters.next()
                guard character == "$", let first = pending, first.isASCII, first.isNumber else {
                    text.append(character)
                    continue
                }
                var digits = ""
                while let digit = pending, digit.isASCII, digit.isNumber {
                    digits.append(digit)
                    pending = characters.next()
                }
                text += "$\(Int(digits)! + offset)"
            }
            sql += text
            binds += fragment.binds
        }

        private mutating func bind<Value: PostgresEncodable>(_ value: Value) {
            do {
                binds.append(try PostgresBind(value))
            } catch {
                encodingError = encodingError ?? error
                binds.append(PostgresBind.null)
            }
            sql += "$\(binds.count)"
        }
    }
}

extension PostgresBind {
    static let null: PostgresBind = try! PostgresBind(String?.none)
}
