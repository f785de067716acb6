/// A five-character SQLSTATE code reported by the server.
///
/// Constants exist for the codes Presswork branches on; compare with `==`.
/// The full list is in the PostgreSQL manual, appendix A.
public struct SQLState: Hashable, Sendable, CustomStringConvertible {
    public let code: String

    public init(_ code: String) {
        self.code = code
    }

    /// The two-character class ("23" for integrity constraint violations).
    public var errorClass: Substring { code.prefix(2) }

    public var description: String { code }

    // MARK: Integrity constraints (class 23)
    public static let notNullViolation = SQLState("23502")
    public static let foreignKeyViolation = SQLState("23503")
    public static let uniqueViolation = SQLState("23505")
    public static let checkViolation = SQLState("23514")
    public static let exclusionViolation = SQLState("23P01")

    // MARK: Transaction rollback (class 40): safe to retry the whole transaction
    public static let serializationFailure = SQLState("40001")
    public static let deadlockDetected = SQLState("40P01")

    // MARK: Operator intervention (class 57)
    public static let queryCanceled = SQLState("57014")
    public static let adminShutdown = SQLState("57P01")
    public static let crashShutdown = SQLState("57P02")
    public static let cannotConnectNow = SQLState("57P03")

    // MARK: Resources and locks
    public static let tooManyConnections = SQLState("53300")
    public static let lockNotAvailable = SQLState("55P03")

    // MARK: Syntax, names and data
    public static let syntaxError = SQLState("42601")
    public static let undefinedTable = SQLState("42P01")
    public static let undefinedColumn = SQLState("42703")
    public static let duplicateTable = SQLState("42P07")
    public static let duplicateDatabase = SQLState("42P04")
    public static let invalidTextRepresentation = SQLState("22P02")
    public static let invalidParameterValue = SQLState("22023")
    public static let featureNotSupported = SQLState("0A000")

    // MARK: Connection exceptions (class 08)
    public static let connectionFailure = SQLState("08006")
}
