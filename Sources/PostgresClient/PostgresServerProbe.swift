import CLibPQ

/// Asks a server whether it accepts connections, without logging in (libpq's `PQping`).
public enum PostgresServerProbe {
    /// What `PQping` found at the address.
    public enum Answer: Sendable, Equatable {
        /// Accepting connections.
        case accepting
        /// Reachable but refusing connections (starting up, shutting down, in recovery).
        case rejecting
        /// Nothing answered at that address.
        case noResponse
        /// The parameters were unusable; libpq did not try.
        case invalidParameters
    }

    /// Blocks for up to the configuration's connect timeout; call it off the cooperative pool.
    public static func ping(_ configuration: PostgresConfiguration) -> Answer {
        let keywords = ["connect_timeout", "dbname"]
        let values = [String(configuration.connectTimeoutSeconds), configuration.connectionString]
        let answer = withOptionalCStringArray(keywords) { keywordPointers in
            withOptionalCStringArray(values) { valuePointers in
                PQpingParams(keywordPointers, valuePointers, 1)
            }
        }
        switch answer {
        case PQPING_OK: return .accepting
        case PQPING_REJECT: return .rejecting
        case PQPING_NO_RESPONSE: return .noResponse
        default: return .invalidParameters
        }
    }
}
