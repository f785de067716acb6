/// What a refusal means, whatever its words. Callers match the code, never the message: the HTTP
/// layer answers each code with a status (`Problem`), the command line exits with a code of its
/// own (`presswork --help` lists them), and the console shows the status's page.
public enum RefusalCode: String, Sendable, CaseIterable {
    /// Input that is not acceptable as given; the error names the field. HTTP 422.
    case invalid
    /// Something named that does not exist. HTTP 404.
    case notFound
    /// A name that is taken, or a state that does not allow the action. HTTP 409.
    case conflict
}

/// An error of the domain that says which kind of refusal it is, and which input it is about.
public protocol Refusal: Error, Sendable, CustomStringConvertible {
    var code: RefusalCode { get }
    /// The input the refusal is about, where there is one (`name`, `seeds[2]`).
    var inputField: String? { get }
}

extension Refusal {
    public var inputField: String? { nil }
}

extension ValidationError: Refusal {
    public var code: RefusalCode { .invalid }
    public var inputField: String? { field }
}

/// A name that is taken: a schedule, token, webhook, profile or site of that name exists.
public struct NameTaken: Refusal, Equatable {
    /// What was being created (`schedule`, `token`).
    public let kind: String
    public let name: String

    public init(kind: String, name: String) {
        self.kind = kind
        self.name = name
    }

    public var code: RefusalCode { .conflict }
    public var inputField: String? { "name" }
    public var description: String { "a \(kind) named \(name) exists already" }
}
