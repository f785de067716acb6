import Foundation
import HTTPTypes
import Hummingbird
import PressworkCore

/// JSON in and out of the API, with the project's `JSONValue` (stable key order, exact numbers).
enum JSONBody {
    /// The largest request body read.
    static let maxBytes = 1 << 20

    /// The request's body as a JSON object, refusing what is not one (400), and keys not in
    /// `allowed` (422, naming the key: a misspelt field must not be silently ignored).
    static func object(_ request: Request, allowed: Set<String>) async throws -> [String: JSONValue] {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBytes)
        } catch {
            throw Problem(.contentTooLarge, "the body is larger than \(maxBytes) bytes")
        }
        let data = Data(buffer.readableBytesView)
        guard !data.isEmpty else { return [:] }
        do {
            try StrictJSON.check(data)
        } catch {
            throw Problem.badRequest("the body is not valid JSON: \(error)")
        }
        guard let value = try? JSONValue.parse(data), case .object(let fields) = value else {
            throw Problem.badRequest("the body must be a JSON object")
        }
        var object: [String: JSONValue] = [:]
        for (key, value) in fields {
            guard allowed.contains(key) else {
                throw Problem.unprocessable("unknown field \"\(key)\"; expected \(allowed.sorted().joined(separator: ", "))", field: key)
            }
            object[key] = value
        }
        return object
    }

    static func response(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.text)))
    }
}

/// Typed fields of a request body (`JSONBody.object`): nil when absent or null, a
/// `ValidationError` naming the field when present with the wrong type.
extension Dictionary where Key == String, Value == JSONValue {
    func string(_ key: String) throws(ValidationError) -> String? {
        guard let value = self[key], value != .null else { return nil }
        guard let text = value.stringValue else { throw ValidationError(field: key, "must be a string") }
        return text
    }

    func number(_ key: String) throws(ValidationError) -> Double? {
        guard let value = self[key], value != .null else { return nil }
        guard let number = value.numberValue else { throw ValidationError(field: key, "must be a number") }
        return number
    }

    func integer(_ key: String) throws(ValidationError) -> Int? {
        guard let value = self[key], value != .null else { return nil }
        guard let number = value.numberValue, number == number.rounded(), abs(number) < 1e9 else {
            throw ValidationError(field: key, "must be a whole number")
        }
        return Int(number)
    }

    func bool(_ key: String) throws(ValidationError) -> Bool? {
        guard let value = self[key], value != .null else { return nil }
        guard let flag = value.boolValue else { throw ValidationError(field: key, "must be true or false") }
        return flag
    }
}
