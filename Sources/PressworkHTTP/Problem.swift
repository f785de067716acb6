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

/// A refused input (`ValidationError`, naming the field) as 422.
func validationAsProblem<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ValidationError {
        throw Problem.unprocessable(error.description, field: error.field)
    }
}

/// A state that does not allow the action as 409.
@discardableResult
func conflictAsProblem<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as RunConflict {
        throw Problem.conflict(error.description)
    }
}
