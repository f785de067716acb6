/// A `real[]` read in PostgreSQL's binary array format, from a `bytea` column:
/// `SELECT array_send(embedding) …`. Text results stay the client's only format; this is how one
/// wide column avoids them. Parsing 384 decimal floats per row dominated reading vectors (14 s
/// for 100,000 of them); hex digits of the binary form are two table lookups per byte.
///
/// The format (src/backend/utils/adt/arrayfuncs.c, `array_send`): int32 dimensions, int32 flags
/// (1 when there are NULLs), uint32 element type, per dimension int32 length and int32 lower
/// bound, then per element int32 byte length (-1 for NULL) and the element (float4: 4 bytes,
/// IEEE 754, big-endian). All integers are big-endian.
public struct PostgresSentFloatArray: PostgresDecodable, Equatable {
    /// The array's elements, in order.
    public let values: [Float]

    /// An array of `values` (tests compare decoded arrays with it).
    public init(_ values: [Float]) {
        self.values = values
    }

    public static var acceptedTypes: Set<PostgresType>? { [.bytea] }
    public static var expectedDescription: String { "a bytea from array_send(real[])" }

    public static func decode(postgresText text: String, type: PostgresType) throws(PostgresDecodingFailure) -> Self {
        var text = text
        // Native strings are contiguous UTF-8; decoding reads them in place, two digits a byte.
        let bytes = text.withUTF8 { utf8 -> [UInt8]? in
            guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0 else {
                return nil
            }
            return [UInt8](unsafeUninitializedCapacity: (utf8.count - 2) / 2) { buffer, initialized in
                var index = 2
                while index < utf8.count {
                    let high = hexDigits[Int(utf8[index])]
                    let low = hexDigits[Int(utf8[index + 1])]
                    guard high | low < 16 else { return }
                    buffer[initialized] = high << 4 | low
                    initialized += 1
                    index += 2
                }
            }
        }
        guard let bytes, bytes.count * 2 + 2 == text.utf8.count else {
            throw PostgresDecodingFailure("is not a hex bytea (\\x and pairs of hex digits)")
        }
        return Self(try parse(bytes))
    }

    static func parse(_ bytes: [UInt8]) throws(PostgresDecodingFailure) -> [Float] {
        var offset = 0
        func int32() throws(PostgresDecodingFailure) -> Int32 {
            guard offset + 4 <= bytes.count else { throw PostgresDecodingFailure("ends inside the array") }
            let value =
                UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
                | UInt32(bytes[offset + 3])
            offset += 4
            return Int32(bitPattern: value)
        }
        let dimensions = try int32()
        _ = try int32()  // the NULL flag: NULL elements are refused below, one by one
        let elementType = try int32()
        guard dimensions <= 1 else { throw PostgresDecodingFailure("has \(dimensions) dimensions; expected one") }
        guard dimensions == 1 else { return [] }
        guard elementType == 700 else { throw PostgresDecodingFailure("has elements of type oid \(elementType); expected real (700)") }
        let count = try int32()
        _ = try int32()  // lower bound
        guard count >= 0, count <= (bytes.count - offset) / 4 else { throw PostgresDecodingFailure("claims \(count) elements") }
        var values: [Float] = []
        values.reserveCapacity(Int(count))
        for index in 0..<Int(count) {
            let length = try int32()
            guard length == 4 else {
                throw PostgresDecodingFailure(length == -1 ? "has a NULL at index \(index)" : "has an element of \(length) bytes")
            }
            values.append(Float(bitPattern: UInt32(bitPattern: try int32())))
        }
        guard offset == bytes.count else { throw PostgresDecodingFailure("has \(bytes.count - offset) bytes after the array") }
        return values
    }
}

/// Each byte's value as a hex digit, or 0xFF.
private let hexDigits: [UInt8] = (0...255).map { byte -> UInt8 in
    switch UInt8(byte) {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt8(byte) - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt8(byte) - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt8(byte) - UInt8(ascii: "A") + 10
    default: return 0xFF
    }
}
