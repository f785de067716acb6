import Foundation
import Hummingbird

/// The fields of a posted form (`application/x-www-form-urlencoded`, at most 256 KiB).
struct ConsoleForm: Sendable {
    private(set) var fields: [(name: String, value: String)] = []

    static let maximumBytes = 256 << 10

    init(fields: [(name: String, value: String)]) {
        self.fields = fields
    }

    static func read(_ request: Request) async throws -> ConsoleForm {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else {
            throw ConsoleError(.unsupportedMediaType, "the console takes forms (application/x-www-form-urlencoded)")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maximumBytes)
        } catch {
            throw ConsoleError(.contentTooLarge, "a form may carry at most 256 KiB")
        }
        return try parse(String(buffer: buffer))
    }

    static func parse(_ text: String) throws -> ConsoleForm {
        var fields: [(String, String)] = []
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) throws -> String {
                guard let text = part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
                    throw ConsoleError(.badRequest, "the form is not well encoded")
                }
                return text
            }
            fields.append((try decode(parts[0]), parts.count > 1 ? try decode(parts[1]) : ""))
        }
        return ConsoleForm(fields: fields)
    }

    /// The field's value, nil when absent.
    subscript(_ name: String) -> String? {
        fields.first { $0.name == name }?.value
    }

    /// The field's value with the surrounding white space trimmed; nil when absent or empty.
    func trimmed(_ name: String) -> String? {
        guard let value = self[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    /// What was typed, by field name (the last of a repeated name), without the CSRF token: what
    /// a refused form is shown again with.
    var values: [String: String] {
        var values: [String: String] = [:]
        for field in fields where field.name != "csrf" { values[field.name] = field.value }
        return values
    }

    func all(_ name: String) -> [String] {
        fields.filter { $0.name == name }.map(\.value)
    }
}
