import PressworkCore
import Testing

/// Sign codes as the code lists train and search them: Postgres's text form read and written,
/// Hamming distances, the nearest centre, and k-majority recovering planted clusters.
@Suite struct SignCodesTests {
    /// SplitMix64: the same codes on every run.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var mixed = state
            mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
            mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
            return mixed ^ (mixed >> 31)
        }
    }

    @Test func textIsReadAndWrittenAsPostgresWritesBitVarying() {
        var codes = SignCodes(bits: 70)
        let text = String(repeating: "10", count: 35)
        let appended = codes.append(text: text)
        #expect(appended)
        #expect(codes.count == 1 && codes.wordsPerCode == 2)
        #expect(codes.text(at: 0) == text)
        // Not 70 binary digits: refused, nothing appended.
        let short = codes.append(text: "101")
        let notBinary = codes.append(text: String(repeating: "12", count: 35))
        #expect(!short && !notBinary)
        #expect(codes.count == 1)
    }

    @Test func distanceCountsDifferingBitsAndNearestPrefersTheFirstOfEquals() {
        var codes = SignCodes(bits: 8)
        codes.append(text: "11110000")
        var centres = SignCodes(bits: 8)
        for text in ["00001111", "11100001", "11110011", "01110000"] { centres.append(text: text) }
        #expect(codes.distance(0, to: centres, 0) == 8)
        #expect(codes.distance(0, to: centres, 1) == 2)
        #expect(codes.distance(0, to: centres, 3) == 1)
        #expect(codes.nearest(0, among: centres) == 3)
        var tied = SignCodes(bits: 8)
        for text in ["11110001", "11110010"] { tied.append(text: text) }
        #expect(codes.nearest(0, among: tied) == 0)
    }

    @Test func kMajorityFindsPlantedClusters() {
        var generator = Seeded(state: 17)
        let bits = 128
        let clusters = 6
        func randomCode() -> String { String((0..<bits).map { _ in Bool.random(using: &generator) ? "1" : "0" }) }
        let planted = (0..<clusters).map { _ in randomCode() }
        // Members: their cluster's code with about one bit in ten flipped (planted centres are
        // about 64 bits apart, members about 13 from their own).
        var codes = SignCodes(bits: bits)
        var membership: [Int] = []
        for cluster in 0..<clusters {
            for _ in 0..<60 {
                let member = planted[cluster].map { bit in
                    Int.random(in: 0..<10, using: &generator) == 0 ? (bit == "1" ? "0" : "1") : bit
                }
                codes.append(text: String(member))
                membership.append(cluster)
            }
        }
        let centres = codes.centres(count: clusters, iterations: 10, using: &generator)
        #expect(centres.count == clusters)
        // Each trained centre holds the members of exactly one planted cluster, and is that
        // cluster's code (the majority of its members undoes their flips).
        var plantedCodes = SignCodes(bits: bits)
        for code in planted { plantedCodes.append(text: code) }
        var clusterOfCentre: [Int: Int] = [:]
        for index in 0..<codes.count {
            let centre = codes.nearest(index, among: centres)
            #expect(clusterOfCentre[centre, default: membership[index]] == membership[index], "centre \(centre) mixes clusters")
            clusterOfCentre[centre] = membership[index]
        }
        #expect(Set(clusterOfCentre.values).count == clusters)
        for (centre, cluster) in clusterOfCentre {
            #expect(centres.distance(centre, to: plantedCodes, cluster) == 0)
        }
    }

    @Test func fewerDistinctCodesThanCentresGiveFewerCentres() {
        var codes = SignCodes(bits: 4)
        for text in ["1010", "1010", "0101"] { codes.append(text: text) }
        var generator = Seeded(state: 3)
        let centres = codes.centres(count: 5, using: &generator)
        #expect(centres.count == 2)
        #expect(Set((0..<centres.count).map { centres.text(at: $0) }) == ["1010", "0101"])
    }
}
