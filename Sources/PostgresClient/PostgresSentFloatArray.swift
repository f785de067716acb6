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
        // Native strings are contiguous UTF-8; decoding reads them in place, two digits a byte,
        // through the table's buffer (read as a global inside the loop, each byte paid a lazy
        // initialisation check: a tenth of a busy worker's time went to this function).
        let bytes = text.withUTF8 { utf8 -> [UInt8]? in
            guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0 else {
                return nil
            }
            return hexDigits.withUnsafeBufferPointer { table in
                [UInt8](unsafeUninitializedCapacity: (utf8.count - 2) / 2) { buffer, initialized in
                    var index = 2
                    while index < utf8.count {
                        let high = table[Int(utf8[index])]
                        let low = table[Int(utf8[index + 1])]
                        guard high | low < 16 else { return }
                        buffer[initialized] = high << 4 | low
                        initialized += 1
                        index += 2
                    }
                }
            }
        }
        guard let bytes, bytes.count * 2 + 2 == text.utf8.count else {
            throw PostgresDecodingFailure("is not a hex bytea (\\x and pairs of hex digits)")
        }
        return Self(try parse(bytes))
    }

    static func parse(_ bytes: [UInt8]) throws(PostgresDecodingFailure) -> [Float] {
        let header = 20  // dimensions, NULL flag, element type, length, lower bound
        guard bytes.count >= 12 else { throw PostgresDecodingFailure("ends inside the array") }
        func int32(_ offset: Int) -> Int32 {
            bytes.withUnsafeBytes { Int32(bigEndian: $0.loadUnaligned(fromByteOffset: offset, as: Int32.self)) }
        }
        let dimensions = int32(0)
        // int32(4) is the NULL flag: NULL elements are refused below, one by one.
        let elementType = int32(8)
        guard dimensions <= 1 else { throw PostgresDecodingFailure("has \(dimensions) dimensions; expected one") }
        guard dimensions == 1 else { return [] }
        guard elementType == 700 else { throw PostgresDecodingFailure("has elements of type oid \(elementType); expected real (700)") }
        guard bytes.count >= header else { throw PostgresDecodingFailure("ends inside the array") }
        let count = Int(int32(12))
        // int32(16) is the lower bound. An element takes 8 bytes, a NULL 4.
        guard count >= 0, count <= (bytes.count - header) / 4 else { throw PostgresDecodingFailure("claims \(count) elements") }
        // Each element: its byte length (4; -1 for a NULL), then the float, both big-endian.
        var failure: PostgresDecodingFailure?
        var offset = header
        let values = bytes.withUnsafeBytes { raw in
            [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                for index in 0..<count {
                    guard offset + 4 <= raw.count else {
                        failure = PostgresDecodingFailure("ends inside the array")
                        return
                    }
                    let length = Int32(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self))
                    guard length == 4, offset + 8 <= raw.count else {
                        let reason =
                            switch length {
                            case -1: "has a NULL at index \(index)"
                            case 4: "ends inside the array"
                            default: "has an element of \(length) bytes"
                            }
                        failure = PostgresDecodingFailure(reason)
                        return
                    }
                    let bits = UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
                    buffer[index] = Float(bitPattern: bits)
                    initialized = index + 1
                    offset += 8
                }
            }
        }
        if let failure { throw failure }
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
