/// FNV-1a, 64 bits: a hash that is the same in every process and on every machine (Swift's
/// `Hasher` is seeded per process), for the offline providers' deterministic choices.
enum StableHash {
    static func of(_ parts: String...) -> UInt64 {
        hash(parts)
    }

    /// A stable pick from `options`.
    static func pick<T>(_ options: [T], _ parts: String...) -> T {
        options[Int(hash(parts) % UInt64(options.count))]
    }

    /// A stable fraction in [0, 1).
    static func fraction(_ parts: String...) -> Double {
        Double(hash(parts) % 10_000) / 10_000
    }

    private static func hash(_ parts: [String]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for part in parts {
            for byte in part.utf8 {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01b3
            }
            // A separator, so that ("ab", "c") and ("a", "bc") differ.
            hash ^= 0xff
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
