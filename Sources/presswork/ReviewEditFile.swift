import Foundation
import PressworkCore

/// The `--edit FILE` of `review approve`: read, then validated by `ReviewEdits.parse`.
enum ReviewEditFile {
    static func load(path: String) throws -> [(Round, JSONValue)] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PressworkCore.ValidationError(field: "--edit", "cannot read \(path)")
        }
        let document: JSONValue
        do {
            document = try JSONValue.parseStrict(data)
        } catch {
            throw PressworkCore.ValidationError(field: "--edit", "\(path) is not valid JSON (\(error))")
        }
        return try ReviewEdits.parse(document, field: "--edit")
    }
}
