import Foundation
import Testing

@testable import PostgresClient

/// The text formats the client reads and writes, checked without a server.
@Suite struct TextFormatTests {
    @Test(arguments: [
        ("2026-11-24 18:29:26.123456+00", 1_795_544_966.123456),
        ("2026-11-24 20:29:26.5+02", 1_795_544_966.5),
        ("2026-11-24 23:59:26+05:30", 1_795_544_966.0),
        ("1970-01-01 00:00:00+00", 0.0),
        ("2024-02-29 12:00:00+00", 1_709_208_000.0),
        ("1969-12-31 23:59:59.5+00", -0.5),
        ("2026-11-24", 1_795_478_400.0),
    ])
    func parsesServerTimestamps(text: String, seconds: Double) throws {
        let date = try PostgresTimestamp.parse(text)
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_001)
    }

    @Test func formatsAndReparsesTimestampsToTheMicrosecond() throws {
        for seconds in [0.0, -0.25, 1_795_544_966.123456, 951_782_400.000001, -2_208_988_800.0] {
            let text = PostgresTimestamp.format(Date(timeIntervalSince1970: seconds))
            let back = try PostgresTimestamp.parse(text)
            #expect(abs(back.timeIntervalSince1970 - seconds) < 0.000_001, "\(text)")
        }
        #expect(PostgresTimestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000000Z")
    }

    @Test(arguments: ["", "yesterday", "2026-13-01 00:00:00+00", "2026-11-24 18:29", "2026-11-24 18:29:26+0x"])
    func refusesMalformedTimestamps(text: String) {
        #expect(throws: PostgresDecodingFailure.self) { try PostgresTimestamp.parse(text) }
    }

    @Test func arrayLiteralsRoundTripQuotesBackslashesAndUnicode() throws {
        let elements = ["plain", "with space", "comma,inside", "quote\"inside", "back\\slash", "NULL", "", "naïve ☕️", "{braces}"]
        let text = try PostgresArrayText.format(elements)
        #expect(try PostgresArrayText.parse(text) == elements)
        // Escapes at either end, side by side, and a quote that a combining mark makes part of
        // a larger Character (the server still reads its quote).
        let edges = ["\"a\\", "\\\\\"\"", "\"\u{301}x", #"{"json": ["a", "b\\\"c"]}"#]
        let edgeText = try PostgresArrayText.format(edges)
        #expect(edgeText == #"{"\"a\\","\\\\\"\"","\"\#u{301}x","{\"json\": [\"a\", \"b\\\\\\\"c\"]}"}"#)
        #expect(try PostgresArrayText.parse(edgeText) == edges)
    }

    @Test func arrayParsingReadsServerOutput() throws {
        #expect(try PostgresArrayText.parse("{}") == [])
        #expect(try PostgresArrayText.parse("{a,\"b c\",NULL,\"NULL\"}") == ["a", "b c", nil, "NULL"])
        #expect(try PostgresArrayText.parse("{1.5,NaN,-Infinity}") == ["1.5", "NaN", "-Infinity"])
        #expect(throws: PostgresDecodingFailure.self) { try PostgresArrayText.parse("{{1,2},{3,4}}") }
        #expect(throws: PostgresDecodingFailure.self) { try PostgresArrayText.parse("[0:1]={1,2}") }
    }

    @Test func interpolationBindsValuesAndNeverSplicesThem() throws {
        let hostile = "x'); DROP TABLE runs; --"
        let limit = 5
        let query: PostgresQuery = "SELECT * FROM runs WHERE name = \(hostile) LIMIT \(limit)"
        #expect(query.sql == "SELECT * FROM runs WHERE name = $1 LIMIT $2")
        #expect(query.binds.map(\.text) == [hostile, "5"])
        #expect(query.binds.map(\.type) == [.unspecified, .int8])
        #expect(query.description == query.sql)
    }

    @Test func fragmentsAreRenumberedAfterTheBindsBeforeThem() {
        let owner = "worker-1"
        let fence: PostgresQuery = "SELECT id FROM runs WHERE id = \(42) AND owner = \(owner)"
        let query: PostgresQuery = "WITH a AS (SELECT \(7)), fence AS (\(fragment: fence)) SELECT $9 AS literal, \(true)"
        #expect(query.sql == "WITH a AS (SELECT $1), fence AS (SELECT id FROM runs WHERE id = $2 AND owner = $3) SELECT $9 AS literal, $4")
        #expect(query.binds.map(\.text) == ["7", "42", "worker-1", "t"])
    }

    @Test func nullBindsCarryTheirType() throws {
        let missing: Int? = nil
        let query: PostgresQuery = "SELECT \(missing)"
        #expect(query.binds.first?.text == nil)
        #expect(query.binds.first?.type == .int8)
    }
}

@Suite struct ConfigurationAndErrorTests {
    @Test func describesTheTargetWithoutThePassword() throws {
        let url = try PostgresConfiguration("postgresql://writer:s3cret@db.example:6543/content")
        #expect(url.targetDescription == "host db.example port 6543, database content, user writer")
        #expect(!url.targetDescription.contains("s3cret"))

        let socket = try PostgresConfiguration("host=/var/run/pw dbname=presswork password=hunter2")
        #expect(socket.targetDescription.hasPrefix("socket folder /var/run/pw"))
        #expect(!socket.targetDescription.contains("hunter2"))
        #expect(socket.database("other").targetDescription.contains("database other"))
    }

    @Test func refusesAMalformedConnectionString() {
        #expect {
            try PostgresConfiguration("postgresql://host:notaport:5432/db?sslmode")
        } throws: { error in
            (error as? PostgresError)?.kind == .invalidConfiguration
        }
        #expect(throws: PostgresError.self) { try PostgresConfiguration("host=/tmp bogus_option=1") }
    }

    @Test func descriptionKeepsDetailAndQueryOut() {
        var error = PostgresError(
            .server, "duplicate key value violates unique constraint \"runs_slug_key\"",
            sqlState: .uniqueViolation, detail: "Key (slug)=(private-value) already exists.", query: "INSERT …"
        )
        error = error.adding(context: "creating run")
        #expect(
            error.description
                == "creating run: duplicate key value violates unique constraint \"runs_slug_key\" (SQLSTATE 23505)")
        #expect(!error.description.contains("private-value"))
        #expect(error.debugDescription.contains("private-value"))
        #expect(!error.isRetryable)
        #expect(PostgresError(.server, "x", sqlState: .serializationFailure).isRetryable)
        #expect(PostgresError(.server, "x", sqlState: .deadlockDetected).isTransactionConflict)
        #expect(PostgresError(.connectionLost, "gone").isRetryable)
    }

    @Test func retryDelaysGrowAndStayUnderTheCeiling() {
        let policy = TransactionRetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(10), maxDelay: .milliseconds(40))
        for attempt in 1...10 {
            let delay = policy.delay(afterAttempt: attempt)
            #expect(delay >= .zero)
            #expect(delay <= .milliseconds(min(40, 10 << (attempt - 1))))
        }
    }

    /// A sent real[] that is cut short, too long or lying about its length is refused, naming
    /// how, without reading past its bytes; one of 1.5 and -2 reads back exactly.
    @Test func sentFloatArraysAreReadWithinTheirBytes() throws {
        func int32(_ value: Int32) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }
        func element(_ value: Float) -> [UInt8] { int32(4) + withUnsafeBytes(of: value.bitPattern.bigEndian) { Array($0) } }
        let header = int32(1) + int32(0) + int32(700) + int32(2) + int32(1)
        let whole = header + element(1.5) + element(-2)
        #expect(try PostgresSentFloatArray.parse(whole) == [1.5, -2])
        let hex = "\\x" + whole.map { String(format: "%02x", $0) }.joined()
        #expect(try PostgresSentFloatArray.decode(postgresText: hex, type: .bytea).values == [1.5, -2])
        for (bytes, reason) in [
            (Array(whole.dropLast(2)), "ends inside the array"),
            (Array(whole.prefix(10)), "ends inside the array"),
            (whole + [0], "1 bytes after the array"),
            (int32(1) + int32(0) + int32(700) + int32(1_000) + int32(1) + element(1), "claims 1000 elements"),
            (header + element(1) + int32(8) + [0, 0, 0, 0, 0, 0, 0, 0], "an element of 8 bytes"),
        ] {
            #expect { try PostgresSentFloatArray.parse(bytes) } throws: { "\($0)".contains(reason) }
        }
        #expect(throws: PostgresDecodingFailure.self) { try PostgresSentFloatArray.decode(postgresText: "\\x0g", type: .bytea) }
    }
}
