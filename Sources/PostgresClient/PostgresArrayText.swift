/// Postgres's text format for one-dimensional arrays: `{a,"b c",NULL,"NULL"}`.
///
/// Binds quote every element (backslash-escaping `"` and `\`), so no element can be read as a
/// delimiter or as NULL. Parsing follows `array_out`: unquoted `NULL` is SQL NULL, quoted
/// elements are unescaped. Multi-dimensional arrays and explicit bounds are refused.
enum PostgresArrayText {
    static func format<Element: PostgresEncodable>(_ elements: [Element]) throws(PostgresError) -> String {
        let quote = UInt8(ascii: "\"")
        let backslash = UInt8(ascii: "\\")
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(elements.count * 16)
        for (index, element) in elements.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            guard var value = try element.postgresText() else {
                bytes.append(contentsOf: "NULL".utf8)
                continue
            }
            bytes.append(quote)
            // By UTF-8 byte, in runs between the bytes to escape (the group commits bind arrays of
            // JSON documents, full of quotes: appending scalar by scalar was a tenth of a
            // worker's CPU). A quote or backslash byte is never part of a multi-byte sequence, and
            // the server reads it as that character whatever follows it (a quote followed by a
            // combining mark is one Character that is not equal to a quote, yet is escaped here).
            value.withUTF8 { utf8 in
                var start = 0
                for offset in utf8.indices where utf8[offset] == quote || utf8[offset] == backslash {
                    bytes.append(contentsOf: utf8[start..<offset])
                    bytes.append(backslash)
                    start = offset
                }
                bytes.append(contentsOf: utf8[start...])
            }
            bytes.append(quote)
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    static func parse(_ text: String) throws(PostgresDecodingFailure) -> [String?] {
        let bytes = Array(text.utf8)
        guard bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") else {
            throw PostgresDecodingFailure("value is not a one-dimensional array literal")
        }
        if bytes.count == 2 { return [] }

        var elements: [String?] = []
        var index = 1
        let end = bytes.count - 1
        while index < end {
            if bytes[index] == UInt8(ascii: "{") {
                throw PostgresDecodingFailure("multi-dimensional arrays are not supported")
            }
            if bytes[index] == UInt8(ascii: "\"") {
                var element: [UInt8] = []
                index += 1
                while index < end, bytes[index] != UInt8(ascii: "\"") {
                    if bytes[index] == UInt8(ascii: "\\") { index += 1 }
                    guard index < end else { break }
                    element.append(bytes[index])
                    index += 1
                }
                guard index < end else { throw PostgresDecodingFailure("unterminated quoted array element") }
                index += 1
                elements.append(String(decoding: element, as: UTF8.self))
            } else {
                let start = index
                while index < end, bytes[index] != UInt8(ascii: ",") { index += 1 }
                let raw = String(decoding: bytes[start..<index], as: UTF8.self)
                elements.append(raw == "NULL" ? nil : raw)
            }
            if index < end {
                guard bytes[index] == UInt8(ascii: ",") else {
                    throw PostgresDecodingFailure("unexpected character in array literal")
                }
                index += 1
                if index == end { elements.append("") }
            }
        }
        return elements
    }
}
