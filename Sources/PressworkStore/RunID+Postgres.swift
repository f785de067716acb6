import Foundation
import PostgresClient
import PressworkCore

/// A run id binds and reads as Postgres's `uuid`.
extension RunID: PostgresArrayElement {
    public static var postgresType: PostgresType { .uuid }
    public func postgresText() -> String? { description }

    public static var acceptedTypes: Set<PostgresType>? { [.uuid] }
    public static var expectedDescription: String { "a run id (uuid)" }
    public static func decode(postgresText text: String, type: PostgresType) throws(PostgresDecodingFailure) -> RunID {
        RunID(try UUID.decode(postgresText: text, type: type))
    }

    public static var arrayType: PostgresType { .uuidArray }
    public static var acceptedArrayTypes: Set<PostgresType> { [.uuidArray] }
}
