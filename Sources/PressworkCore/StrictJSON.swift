import Foundation

/// A syntax check of JSON text by RFC 8259, stricter than Foundation's parsers where their
/// leniency loses what a person wrote: a key given twice in one object (Foundation keeps one of
/// them silently), a trailing comma, comments, NaN, leading zeros, raw control characters in
/// strings, invalid UTF-8, text after the value, nesting deeper than `maxDepth`. Every config
/// file, profile, site, edit file and API body is checked before it is decoded, so a typo is an
/// error naming its line and column, not a setting that quietly is not what it says.
public enum StrictJSON {
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public let line: Int
        public let column: Int
        public let problem: String
        public var description: String { "line \(line), column \(column): \(problem)" }
    }

    public static let maxDepth = 64

    public static func check(_ data: Data) throws(Failure) {
        var scanner = Scanner(bytes: [UInt8](data))
        scanner.skipWhitespace()
        if scanner.peek == nil { throw scanner.failure("the text is empty; expected a JSON value") }
        try scanner.value(depth: 0)
        scanner.skipWhitespace()
        if scanner.peek != nil { throw scanner.failure("unexpected text after the JSON value") }
    }

    struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        func failure(_ problem: String) -> Failure {
            var line = 1
            var column = 1
            for byte in bytes[..<min(index, bytes.count)] {
                if byte == UInt8(ascii: "\n") {
                    line += 1
                    column = 1
                } else if byte & 0xC0 != 0x80 {
                    column += 1
                }
            }
            return Failure(line: line, column: column, problem: problem)
        }

        mutating func skipWhitespace() {
            while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
        }

        mutating func value(depth: Int) throws(Failure) {
            guard depth < StrictJSON.maxDepth else { throw failure("nested deeper than \(StrictJSON.maxDepth) levels") }
            guard let byte = peek else { throw failure("the text ends where a value should be") }
            switch byte {
            case UInt8(ascii: "{"): try object(depth: depth)
            case UInt8(ascii: "["): try array(depth: depth)
            case UInt8(ascii: "\""): _ = try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            case UInt8(ascii: "/"): throw failure("comments are not JSON")
            default: throw failure("unexpected character \(Self.show(byte)); expected a JSON value")
            }
        }

        mutating func object(depth: Int) throws(Failure) {
            index += 1
            var keys = Set<String>()
            skipWhitespace()
            if peek == UInt8(ascii: "}") {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                guard peek == UInt8(ascii: "\"") else {
                    throw failure(peek == UInt8(ascii: "}") ? "a trailing comma before }" : "expected a key in double quotes")
                }
                let start = index
                let key = try string()
                guard keys.insert(key).inserted else {
                    index = start
                    throw failure("the key \"\(key)\" is given twice in one object")
                }
                skipWhitespace()
                guard peek == UInt8(ascii: ":") else { throw failure("expected : after the key \"\(key)\"") }
                index += 1
                skipWhitespace()
                try value(depth: depth + 1)
                skipWhitespace()
                switch peek {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "}"):
                    index += 1
                    return
                case nil: throw failure("the text ends inside an object")
                default: throw failure("expected , or } after the value of \"\(key)\"")
                }
            }
        }

        mutating func array(depth: Int) throws(Failure) {
            index += 1
            skipWhitespace()
            if peek == UInt8(ascii: "]") {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                if peek == UInt8(ascii: "]") { throw failure("a trailing comma before ]") }
                try value(depth: depth + 1)
                skipWhitespace()
                switch peek {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"):
                    index += 1
                    return
                case nil: throw failure("the text ends inside an array")
                default: throw failure("expected , or ] after an array element")
                }
            }
        }

        /// Reads a string (at the opening quote) and returns its bytes undecoded but checked:
        /// escapes valid, no raw control characters, valid UTF-8. Keys are compared as written
        /// after unescaping simple escapes, which is what "given twice" means to a reader.
        mutating func string() throws(Failure) -> String {
            index += 1
            var content: [UInt8] = []
            while true {
                guard let byte = peek else { throw failure("the text ends inside a string") }
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    guard let text = String(validating: content, as: UTF8.self) else {
                        throw failure("a string is not valid UTF-8")
                    }
                    return text
                case UInt8(ascii: "\\"):
                    index += 1
                    guard let escaped = peek else { throw failure("the text ends inside a string") }
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): content.append(escaped)
                    case UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        content.append(contentsOf: [UInt8(ascii: "\\"), escaped])
                    case UInt8(ascii: "u"):
                        let digits = bytes[min(index + 1, bytes.count)..<min(index + 5, bytes.count)]
                        guard digits.count == 4, digits.allSatisfy({ Self.isHexDigit($0) }) else {
                            throw failure("\\u must be followed by four hexadecimal digits")
                        }
                        content.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u")] + digits)
                        index += 4
                    default:
                        throw failure("\\\(Self.show(escaped)) is not a JSON escape")
                    }
                    index += 1
                case 0x00..<0x20:
                    throw failure("a raw control character \(Self.show(byte)) in a string (write it as an escape)")
                default:
                    content.append(byte)
                    index += 1
                }
            }
        }

        mutating func number() throws(Failure) {
            if peek == UInt8(ascii: "-") { index += 1 }
            guard let first = peek, Self.isDigit(first) else { throw failure("a number needs a digit after -") }
            index += 1
            if first == UInt8(ascii: "0"), let next = peek, Self.isDigit(next) {
                throw failure("a number must not start with 0")
            }
            while let byte = peek, Self.isDigit(byte) { index += 1 }
            if peek == UInt8(ascii: ".") {
                index += 1
                guard let byte = peek, Self.isDigit(byte) else { throw failure("a number needs a digit after the decimal point") }
                while let byte = peek, Self.isDigit(byte) { index += 1 }
            }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                index += 1
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
                guard let byte = peek, Self.isDigit(byte) else { throw failure("a number needs a digit in its exponent") }
                while let byte = peek, Self.isDigit(byte) { index += 1 }
            }
        }

        mutating func literal(_ word: String) throws(Failure) {
            let expected = Array(word.utf8)
            guard bytes.count - index >= expected.count, Array(bytes[index..<index + expected.count]) == expected else {
                throw failure("unexpected word; expected \(word), a string, a number, an object or an array")
            }
            index += expected.count
        }

        static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

        static func isHexDigit(_ byte: UInt8) -> Bool {
            isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
        }

        static func show(_ byte: UInt8) -> String {
            (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : String(format: "0x%02X", byte)
        }
    }
}
