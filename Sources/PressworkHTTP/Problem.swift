import Foundation
import HTTPTypes
import Hummingbird
import PressworkCore
import PressworkStore

/// An error answered as RFC 9457 problem details (`application/problem+json`):
/// `{"type", "title", "status", "detail"}`, plus `field` for a rejected input.
public struct Problem: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let detail: String
    public var field: String?
    /// Extra headers (WWW-Authenticate for a 401).
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ detail: String, field: String? = nil) {
        self.status = status
        // Details quote remote servers (WordPress's answer to a site test) and errors: masked
        // like everything else that leaves.
        self.detail = SecretRedactor.redact(detail)
        self.field = field
    }

    /// A refusal of the domain, with the status its code calls for and the field it names.
    public init(_ refusal: any Refusal) {
        self.init(refusal.code.status, refusal.description, field: refusal.inputField)
    }

    public static func badRequest(_ detail: String, field: String? = nil) -> Problem { Problem(.badRequest, detail, field: field) }
    public static func notFound(_ detail: String) -> Problem { Problem(.notFound, detail) }
    public static func conflict(_ detail: String) -> Problem { Problem(.conflict, detail) }
    public static func unprocessable(_ detail: String, field: String? = nil) -> Problem {
        Problem(.unprocessableContent, detail, field: field)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields: [(String, JSONValue)] = [
            ("type", .string("about:blank")), ("title", .string(status.reasonPhrase)),
            ("status", .number(Double(status.code))), ("detail", .string(detail)),
        ]
        if let field { fields.append(("field", .string(field))) }
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: JSONValue.object(fields).text)))
    }
}

extension RefusalCode {
    /// The status a refusal is answered with.
    public var status: HTTPResponse.Status {
        switch self {
        case .invalid: .unprocessableContent
        case .notFound: .notFound
        case .conflict: .conflict
        }
    }
}
