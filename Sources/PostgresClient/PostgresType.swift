/// A server data type, by OID (`pg_type.oid`), with a readable name for error messages.
public struct PostgresType: Hashable, Sendable, CustomStringConvertible {
    /// The type's OID, as the server sends it with each result column.
    public let oid: UInt32
    /// How error messages name it ("timestamptz", "uuid[]").
    public let name: String

    /// A type by OID; the common ones are the constants below.
    public init(oid: UInt32, name: String) {
        self.oid = oid
        self.name = name
    }

    public var description: String { name }

    /// Lets the server infer the parameter's type from where it is used. Strings bind as this, so
    /// that one Swift `String` can fill a `text`, `uuid`, `inet` or enum column.
    public static let unspecified = PostgresType(oid: 0, name: "unspecified")

    public static let bool = PostgresType(oid: 16, name: "boolean")
    public static let bytea = PostgresType(oid: 17, name: "bytea")
    public static let name = PostgresType(oid: 19, name: "name")
    public static let int8 = PostgresType(oid: 20, name: "bigint")
    public static let int2 = PostgresType(oid: 21, name: "smallint")
    public static let int4 = PostgresType(oid: 23, name: "integer")
    public static let text = PostgresType(oid: 25, name: "text")
    public static let oidType = PostgresType(oid: 26, name: "oid")
    public static let json = PostgresType(oid: 114, name: "json")
    public static let float4 = PostgresType(oid: 700, name: "real")
    public static let float8 = PostgresType(oid: 701, name: "double precision")
    public static let bpchar = PostgresType(oid: 1042, name: "character")
    public static let varchar = PostgresType(oid: 1043, name: "character varying")
    public static let date = PostgresType(oid: 1082, name: "date")
    public static let timestamp = PostgresType(oid: 1114, name: "timestamp")
    public static let timestamptz = PostgresType(oid: 1184, name: "timestamptz")
    public static let numeric = PostgresType(oid: 1700, name: "numeric")
    public static let uuid = PostgresType(oid: 2950, name: "uuid")
    public static let jsonb = PostgresType(oid: 3802, name: "jsonb")
    public static let textArray = PostgresType(oid: 1009, name: "text[]")
    public static let varcharArray = PostgresType(oid: 1015, name: "character varying[]")
    public static let float4Array = PostgresType(oid: 1021, name: "real[]")
    public static let float8Array = PostgresType(oid: 1022, name: "double precision[]")
    public static let uuidArray = PostgresType(oid: 2951, name: "uuid[]")

    private static let known: [UInt32: PostgresType] = Dictionary(
        uniqueKeysWithValues: [
            bool, bytea, name, int8, int2, int4, text, oidType, json, float4, float8, bpchar, varchar, date,
            timestamp, timestamptz, numeric, uuid, jsonb, textArray, varcharArray, float4Array, float8Array,
            uuidArray,
        ].map { ($0.oid, $0) }
    )

    /// The type for an OID read from a result; unknown OIDs get a name like "type 16385".
    public static func forOID(_ oid: UInt32) -> PostgresType {
        known[oid] ?? PostgresType(oid: oid, name: "type \(oid)")
    }
}
