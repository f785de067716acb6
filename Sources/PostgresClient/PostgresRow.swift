/// The columns of a result: names and server types, shared by all its rows.
public final class PostgresColumns: Sendable {
    /// The column names, in the result's order.
    public let names: [String]
    /// Each column's server type (`decode` checks the Swift type against it).
    public let types: [PostgresType]

    init(names: [String], types: [PostgresType]) {
        self.names = names
        self.types = types
    }

    /// The first column with this name. A linear search: results have few columns, and building a
    /// dictionary for every result costs more than it saves.
    public func index(of name: String) -> Int? { names.firstIndex(of: name) }
}

/// One row of a result, decoded from text on demand.
public struct PostgresRow: Sendable {
    /// The result's columns, shared with its other rows.
    public let columns: PostgresColumns
    /// Each column's text, nil for SQL NULL.
    public let values: [String?]

    init(columns: PostgresColumns, values: [String?]) {
        self.columns = columns
        self.values = values
    }

    /// Decodes the column named `name` (the first one, if the name repeats).
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, _ name: String) throws(PostgresError) -> T {
        guard let index = columns.index(of: name) else {
            throw PostgresError(
                .decoding,
                "result has no column \"\(name)\" (columns: \(columns.names.joined(separator: ", ")))"
            )
        }
        return try decode(type, at: index)
    }

    /// Decodes the column at a zero-based position.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, at index: Int) throws(PostgresError) -> T {
        guard values.indices.contains(index) else {
            throw PostgresError(.decoding, "result has no column at position \(index) (it has \(values.count))")
        }
        let name = columns.names[index]
        let serverType = columns.types[index]
        if let accepted = T.acceptedTypes, !accepted.contains(serverType) {
            throw PostgresError(
                .decoding,
                "column \"\(name)\" is \(serverType), expected \(T.expectedDescription)"
            )
        }
        do {
            guard let text = values[index] else { return try T.decodeNull() }
            return try T.decode(postgresText: text, type: serverType)
        } catch {
            throw PostgresError(
                .decoding,
                "column \"\(name)\" (\(serverType)) \(error.reason), expected \(T.expectedDescription)"
            )
        }
    }
}

/// What a statement returned: its rows (fully read), the number of rows it affected and its
/// command tag ("INSERT 0 1").
public struct PostgresQueryResult: Sendable, RandomAccessCollection {
    public let columns: PostgresColumns
    public let rows: [PostgresRow]
    /// Rows inserted, updated or deleted (`PQcmdTuples`); 0 for other statements.
    public let affectedRows: Int
    public let commandTag: String

    public var startIndex: Int { rows.startIndex }
    public var endIndex: Int { rows.endIndex }
    public subscript(position: Int) -> PostgresRow { rows[position] }

    /// The single value of a one-row, one-column result (`SELECT count(*) …`).
    public func scalar<T: PostgresDecodable>(_ type: T.Type = T.self) throws(PostgresError) -> T {
        guard let row = rows.first else {
            throw PostgresError(.decoding, "expected one row, the result is empty")
        }
        return try row.decode(type, at: 0)
    }
}
