/// Sign codes, as Postgres's `presswork_sign_code` makes them (one bit per dimension, 1 where
/// the component is positive), held flat: `count` codes of `bits` bits each, in 64-bit words.
///
/// The Hamming distance between two codes estimates the angle between their vectors, so codes can
/// be clustered and searched without the vectors: the duplicate check's code lists (migration
/// 0025) are trained here.
public struct SignCodes: Sendable, Equatable {
    public let bits: Int
    public let wordsPerCode: Int
    public private(set) var words: [UInt64]

    public var count: Int { wordsPerCode == 0 ? 0 : words.count / wordsPerCode }

    public init(bits: Int) {
        precondition(bits > 0, "a sign code has at least one bit")
        self.bits = bits
        self.wordsPerCode = (bits + 63) / 64
        self.words = []
    }

    /// Appends a code in Postgres's text form of `bit varying` ("0110…"); false, and nothing
    /// appended, when the text is not `bits` binary digits.
    @discardableResult
    public mutating func append(text: some StringProtocol) -> Bool {
        let utf8 = text.utf8
        guard utf8.count == bits else { return false }
        var code = [UInt64](repeating: 0, count: wordsPerCode)
        for (position, character) in utf8.enumerated() {
            switch character {
            case UInt8(ascii: "1"): code[position / 64] |= 1 << UInt64(position % 64)
            case UInt8(ascii: "0"): break
            default: return false
            }
        }
        words += code
        return true
    }

    /// Appends the code at `index` of `other` (of the same width).
    public mutating func append(_ other: SignCodes, at index: Int) {
        precondition(other.bits == bits, "codes of \(other.bits) bits appended to codes of \(bits)")
        words += other.words[index * wordsPerCode..<(index + 1) * wordsPerCode]
    }

    /// The code at `index` in Postgres's text form of `bit varying`.
    public func text(at index: Int) -> String {
        let base = index * wordsPerCode
        return String(
            decoding: (0..<bits).map { position in
                words[base + position / 64] & (1 << UInt64(position % 64)) == 0 ? UInt8(ascii: "0") : UInt8(ascii: "1")
            }, as: UTF8.self)
    }

    /// The Hamming distance between the code at `index` and the code at `otherIndex` of `other`.
    public func distance(_ index: Int, to other: SignCodes, _ otherIndex: Int) -> Int {
        var total = 0
        let base = index * wordsPerCode
        let otherBase = otherIndex * wordsPerCode
        for word in 0..<wordsPerCode {
            total += (words[base + word] ^ other.words[otherBase + word]).nonzeroBitCount
        }
        return total
    }

    /// The index of the code of `centres` nearest to the code at `index` (the lowest index among
    /// equals, as the trigger of migration 0025 orders them).
    public func nearest(_ index: Int, among centres: SignCodes) -> Int {
        precondition(centres.count > 0 && centres.bits == bits, "no centres of \(bits) bits")
        return words.withUnsafeBufferPointer { codes in
            centres.words.withUnsafeBufferPointer { centreWords in
                let code = codes.baseAddress! + index * wordsPerCode
                var best = (centre: 0, distance: Int.max)
                for centre in 0..<centres.count {
                    let candidate = centreWords.baseAddress! + centre * wordsPerCode
                    var distance = 0
                    for word in 0..<wordsPerCode { distance += (code[word] ^ candidate[word]).nonzeroBitCount }
                    if distance < best.distance { best = (centre, distance) }
                }
                return best.centre
            }
        }
    }

    /// `count` centres for these codes by k-majority, the Hamming analogue of k-means: each
    /// iteration assigns every code to its nearest centre and makes each centre the bitwise
    /// majority of its codes; a centre left without codes restarts at a code chosen at random.
    /// The first centres are chosen as k-means++ chooses them (each next one a code drawn with
    /// probability proportional to its squared distance from the nearest centre so far), so that
    /// they start spread over the codes rather than several in one cluster. Returns fewer centres
    /// than asked when there are fewer distinct codes.
    public func centres(count wanted: Int, iterations: Int = 8, using generator: inout some RandomNumberGenerator) -> SignCodes {
        var centres = SignCodes(bits: bits)
        guard count > 0, wanted > 0 else { return centres }
        centres.append(self, at: Int.random(in: 0..<count, using: &generator))
        // Squared distance from each code to its nearest centre so far.
        var nearestSquared = (0..<count).map { index -> Double in
            let distance = Double(self.distance(index, to: centres, 0))
            return distance * distance
        }
        while centres.count < wanted {
            let total = nearestSquared.reduce(0, +)
            guard total > 0 else { break }  // every code is a centre already
            var target = Double.random(in: 0..<total, using: &generator)
            // The last code that is not a centre, should rounding leave the target unspent.
            var chosen = nearestSquared.lastIndex { $0 > 0 }!
            for (index, weight) in nearestSquared.enumerated() where weight > 0 {
                target -= weight
                if target < 0 {
                    chosen = index
                    break
                }
            }
            centres.append(self, at: chosen)
            let newest = centres.count - 1
            for index in 0..<count where nearestSquared[index] > 0 {
                let distance = Double(self.distance(index, to: centres, newest))
                nearestSquared[index] = min(nearestSquared[index], distance * distance)
            }
        }
        guard centres.count > 0 else { return centres }
        var assignment = [Int](repeating: 0, count: count)
        for _ in 0..<iterations {
            for index in 0..<count { assignment[index] = nearest(index, among: centres) }
            // Ones per bit per centre, and members per centre.
            var ones = [Int32](repeating: 0, count: centres.count * bits)
            var members = [Int32](repeating: 0, count: centres.count)
            for index in 0..<count {
                let centre = assignment[index]
                members[centre] += 1
                let base = index * wordsPerCode
                for word in 0..<wordsPerCode {
                    var remaining = words[base + word]
                    while remaining != 0 {
                        let bit = word * 64 + remaining.trailingZeroBitCount
                        ones[centre * bits + bit] += 1
                        remaining &= remaining - 1
                    }
                }
            }
            for centre in 0..<centres.count {
                let base = centre * wordsPerCode
                guard members[centre] > 0 else {
                    let restart = Int.random(in: 0..<count, using: &generator) * wordsPerCode
                    for word in 0..<wordsPerCode { centres.words[base + word] = words[restart + word] }
                    continue
                }
                for word in 0..<wordsPerCode { centres.words[base + word] = 0 }
                for bit in 0..<bits where 2 * ones[centre * bits + bit] > members[centre] {
                    centres.words[base + bit / 64] |= 1 << UInt64(bit % 64)
                }
            }
        }
        return centres
    }
}
