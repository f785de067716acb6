/// Which statements a connection has prepared, by SQL text and parameter types.
///
/// A text is prepared on its second use, so one-off statements cost no extra round trip, and the
/// statements a service runs again and again (claims, commits) are parsed and planned once per
/// connection. The cache is bounded: past `capacity` the least recently used statement is
/// evicted, and the connection deallocates it on the server.
struct StatementCache {
    struct Key: Hashable {
        let sql: String
        let types: [UInt32]
    }

    enum Lookup {
        /// Prepared already: execute by this name.
        case prepared(String)
        /// Seen before: prepare under this name, then `didPrepare`.
        case prepare(String)
        /// First sight: execute unnamed.
        case unnamed
    }

    private var prepared: [Key: (name: String, lastUse: UInt64)] = [:]
    private var seenOnce: Set<Key> = []
    private var clock: UInt64 = 0
    private var counter = 0
    let capacity: Int

    init(capacity: Int = 256) {
        self.capacity = capacity
    }

    mutating func lookup(_ key: Key) -> Lookup {
        clock += 1
        if let entry = prepared[key] {
            prepared[key] = (entry.name, clock)
            return .prepared(entry.name)
        }
        guard seenOnce.remove(key) != nil else {
            if seenOnce.count >= capacity * 4 { seenOnce.removeAll() }
            seenOnce.insert(key)
            return .unnamed
        }
        counter += 1
        return .prepare("presswork_\(counter)")
    }

    /// Records a successful prepare; returns the name of a statement evicted to make room.
    mutating func didPrepare(_ key: Key, name: String) -> String? {
        prepared[key] = (name, clock)
        guard prepared.count > capacity,
            let oldest = prepared.min(by: { $0.value.lastUse < $1.value.lastUse })
        else { return nil }
        prepared.removeValue(forKey: oldest.key)
        return oldest.value.name
    }

    /// Forgets every statement; returns their names for deallocation.
    mutating func removeAll() -> [String] {
        defer {
            prepared.removeAll()
            seenOnce.removeAll()
        }
        return prepared.values.map(\.name)
    }
}
