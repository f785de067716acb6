import Foundation
import PostgresClient
import PostgresTestSupport
import Testing

private struct Article: Codable, Equatable, Sendable {
    var title: String
    var tags: [String]
    var score: Double?
}

/// Every supported type bound as a parameter, stored in a real table, and read back.
@Suite struct TypeRoundTripTests {
    @Test func everyTypeSurvivesATableRoundTrip() async throws {
        let pool = try await TestDatabase.makePool("types")
        _ = try await pool.query(
            """
            CREATE TABLE samples (
                id uuid PRIMARY KEY, label text, count bigint, small integer, flag boolean, ratio double precision,
                at timestamptz, doc jsonb, tags text[], embedding real[], ids uuid[], none uuid[]
            )
            """)
        let id = UUID()
        let at = Date(timeIntervalSince1970: 1_795_544_966.123456)
        let doc = Article(title: "Über „Quotes“ & emoji 🚀", tags: ["a", "b"], score: nil)
        let tags = ["naïve", "with,comma", "quote\"d", "NULL", "", "\"\u{301}accent on a quote", "back\\slash"]
        let embedding: [Float] = [0.1, -2.5, 3.4028235e38, 1e-7]
        let ids = [id, UUID()]
        _ = try await pool.query(
            """
            INSERT INTO samples VALUES (\(id), \("héllo wörld ✓"), \(Int.max), \(Int32.min), \(true), \(-0.1),
                \(at), \(PostgresJSON(doc)), \(tags), \(embedding), \(ids), \([UUID]()))
            """)
        let row = try #require(try await pool.query("SELECT * FROM samples WHERE id = \(id)").first)
        #expect(try row.decode(UUID.self, "id") == id)
        #expect(try row.decode(String.self, "label") == "héllo wörld ✓")
        #expect(try row.decode(Int.self, "count") == Int.max)
        #expect(try row.decode(Int32.self, "small") == Int32.min)
        #expect(try row.decode(Bool.self, "flag") == true)
        #expect(try row.decode(Double.self, "ratio") == -0.1)
        #expect(abs(try row.decode(Date.self, "at").timeIntervalSince1970 - at.timeIntervalSince1970) < 0.000_001)
        #expect(try row.decode(PostgresJSON<Article>.self, "doc").value == doc)
        #expect(try row.decode([String].self, "tags") == tags)
        #expect(try row.decode([Float].self, "embedding") == embedding)
        #expect(try row.decode([UUID].self, "ids") == ids)
        #expect(try row.decode([UUID].self, "none") == [])
        await pool.close()
    }

    @Test func nullsDecodeAsNilAndRefuseNonOptionals() async throws {
        let pool = try await TestDatabase.makePool("nulls")
        let none: String? = nil
        let row = try #require(
            try await pool.query(
                """
                SELECT \(none)::text AS t, NULL::bigint AS i, NULL::timestamptz AS at, NULL::uuid AS u,
                       NULL::text[] AS tags, NULL::jsonb AS doc
                """
            ).first)
        #expect(try row.decode(String?.self, "t") == nil)
        #expect(try row.decode(Int?.self, "i") == nil)
        #expect(try row.decode(Date?.self, "at") == nil)
        #expect(try row.decode(UUID?.self, "u") == nil)
        #expect(try row.decode([String]?.self, "tags") == nil)
        #expect(try row.decode(PostgresJSON<Article>?.self, "doc") == nil)
        #expect {
            try row.decode(Int.self, "i")
        } throws: { error in
            "\(error)" == "column \"i\" (bigint) is NULL, expected an integer (Int)"
        }
        await pool.close()
    }

    @Test func specialFloatValuesRoundTrip() async throws {
        let pool = try await TestDatabase.makePool("floats")
        let values: [Double] = [.infinity, -.infinity, 0, -0.0, 1.0 / 3.0, .leastNonzeroMagnitude]
        for value in values {
            #expect(try await pool.query("SELECT \(value)").scalar(Double.self) == value)
        }
        #expect(try await pool.query("SELECT \(Double.nan)").scalar(Double.self).isNaN)
        #expect(try await pool.query("SELECT ARRAY['NaN', 'Infinity', '1.5']::real[]").scalar([Float].self)[2] == 1.5)
        await pool.close()
    }

    /// `array_send` of a real[] read as `PostgresSentFloatArray` gives the same floats, bit for
    /// bit, as the text format; NULL elements, other element types and several dimensions are
    /// refused with the reason.
    @Test func realArraysInTheBinaryFormatMatchTheTextFormat() async throws {
        let pool = try await TestDatabase.makePool("sentarrays")
        let values: [Float] = [0.1, -2.5, .greatestFiniteMagnitude, .leastNonzeroMagnitude, 1e-7, -0.0, 0.333_333_34, .infinity]
        let row = try #require(
            try await pool.query(
                """
                SELECT array_send(\(values)::real[]) AS sent, \(values)::real[] AS text, array_send('{}'::real[]) AS empty
                """
            ).first)
        let sent = try row.decode(PostgresSentFloatArray.self, "sent").values
        #expect(sent.map(\.bitPattern) == values.map(\.bitPattern))
        #expect(sent.map(\.bitPattern) == (try row.decode([Float].self, "text")).map(\.bitPattern))
        #expect(try row.decode(PostgresSentFloatArray.self, "empty").values.isEmpty)

        let refusals = try #require(
            try await pool.query(
                """
                SELECT array_send('{1, NULL}'::real[]) AS nulls, array_send('{1.5}'::double precision[]) AS doubles,
                       array_send('{{1},{2}}'::real[]) AS matrix, 'not sent'::text AS plain
                """
            ).first)
        for (column, reason) in [("nulls", "NULL at index 1"), ("doubles", "expected real"), ("matrix", "2 dimensions")] {
            #expect { try refusals.decode(PostgresSentFloatArray.self, column) } throws: { "\($0)".contains(reason) }
        }
        #expect(throws: PostgresError.self) { try refusals.decode(PostgresSentFloatArray.self, "plain") }
        await pool.close()
    }

    @Test func decodingErrorsNameTheColumnAndTheExpectedType() async throws {
        let pool = try await TestDatabase.makePool("decodeerrors")
        let row = try #require(try await pool.query("SELECT 42 AS answer, 'x'::text AS word, '{\"a\":1}'::jsonb AS doc").first)
        #expect {
            try row.decode(Date.self, "answer")
        } throws: { error in
            "\(error)" == "column \"answer\" is integer, expected a timestamp (Date)"
        }
        #expect {
            try row.decode(Int.self, "missing")
        } throws: { error in
            "\(error)".contains("no column \"missing\"") && "\(error)".contains("answer, word, doc")
        }
        #expect {
            try row.decode(PostgresJSON<Article>.self, "doc")
        } throws: { error in
            "\(error)".contains("column \"doc\"") && "\(error)".contains("missing key title")
        }
        await pool.close()
    }

    @Test func injectionStringsAreStoredVerbatim() async throws {
        let pool = try await TestDatabase.makePool("injection")
        _ = try await pool.query("CREATE TABLE notes (body text NOT NULL)")
        let hostile = [
            "'; DROP TABLE notes; --", "\" OR 1=1 --", "$1", "\\x00\\", "Robert'); DELETE FROM notes;--",
            "E'\\\\'", "$$ dollar $$", "🙂'\"\\",
        ]
        for text in hostile {
            _ = try await pool.query("INSERT INTO notes (body) VALUES (\(text))")
        }
        let stored = try await pool.query("SELECT body FROM notes ORDER BY ctid").map { try $0.decode(String.self, "body") }
        #expect(stored == hostile)
        #expect(try await pool.query("SELECT count(*) FROM notes WHERE body = ANY(\(hostile))").scalar(Int.self) == hostile.count)
        await #expect {
            try await pool.query("INSERT INTO notes (body) VALUES (\("nul\u{0}byte"))")
        } throws: { error in
            (error as? PostgresError)?.kind == .encoding
        }
        await pool.close()
    }
}
