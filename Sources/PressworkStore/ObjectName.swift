import Foundation
import PressworkCore

/// Names people give webhook endpoints and API tokens: the same rule as the tables' CHECK
/// (`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`), checked first so that a bad one is refused by name.
enum ObjectName {
    static func check(_ name: String) throws(ValidationError) {
        try RunParams.checkName(name, field: "name")
    }
}
