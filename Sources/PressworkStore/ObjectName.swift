import Foundation
import PressworkCore

/// Names people give webhook endpoints and API tokens: the same rule as the tables' CHECK
/// (`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`), checked first so that a bad one is refused by name.
enum ObjectName {
    static func check(_ name: String) throws(ValidationError) {
        guard name.range(of: #"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$"#, options: .regularExpression) != nil else {
            throw ValidationError(field: "name", "must be 1–63 letters, digits, '_', '.' or '-', starting with a letter or digit")
        }
    }
}
