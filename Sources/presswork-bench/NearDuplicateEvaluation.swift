import ArgumentParser
import Foundation
import Logging
import PressworkPipeline
import PressworkProviders

/// The duplicate gate's precision and recall on a labelled set of article pairs, through
/// Presswork's own embedding client: once with whole articles chunked to the model's window and
/// pooled (what round 6 does), once with the text as one input (what a server that keeps the
/// first window sees). The set is JSON lines of `{"a": text, "b": text, "duplicate": bool,
/// "kind": "…"}`; `scripts/near-duplicates.py` builds one.
struct NearDuplicateEvaluation: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "near-duplicates",
        abstract: "Measure the duplicate gate's precision and recall on labelled article pairs."
    )

    @Option(help: "The labelled pairs, JSON lines.")
    var set: String

    @Option(help: "The embedding server's base URL, up to /v1.")
    var baseURL: String

    @Option(help: "The embedding model.")
    var model = "all-MiniLM-L6-v2"

    @Option(help: "Its dimensions.")
    var dimension = 384

    @Option(help: "Its input window in tokens.")
    var window = 256

    @Option(help: "The duplicate threshold to report (cosine similarity).")
    var threshold = 0.9

    struct Pair: Decodable {
        let a: String
        let b: String
        let duplicate: Bool
        let kind: String
    }

    func run() async throws {
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let pairs = try String(contentsOfFile: set, encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(Pair.self, from: Data($0.utf8))
        }
        let configuration = OpenAIChatClient.Configuration(baseURL: baseURL, apiKey: nil, model: model)
        let chunked = OpenAIEmbeddingClient(configuration, dimension: dimension, window: window, logger: logger)
        let whole = OpenAIEmbeddingClient(configuration, dimension: dimension, window: nil, logger: logger)
        print("\(pairs.count) pairs (\(pairs.filter(\.duplicate).count) near-duplicates), \(model), threshold \(threshold)")
        for (name, client) in [("chunked and pooled (round 6)", chunked), ("one input, first window only", whole)] {
            var scored: [(similarity: Double, pair: Pair)] = []
            for pair in pairs {
                let a = try await client.embed(pair.a).value
                let b = try await client.embed(pair.b).value
                scored.append((cosineSimilarity(a, b), pair))
            }
            report(name, scored)
        }
    }

    private func report(_ name: String, _ scored: [(similarity: Double, pair: Pair)]) {
        let flagged = scored.filter { $0.similarity >= threshold }
        let truePositives = flagged.filter(\.pair.duplicate).count
        let duplicates = scored.filter(\.pair.duplicate).count
        let precision = flagged.isEmpty ? 1 : Double(truePositives) / Double(flagged.count)
        let recall = duplicates == 0 ? 1 : Double(truePositives) / Double(duplicates)
        print(
            "\(name): precision \(String(format: "%.3f", precision)), recall \(String(format: "%.3f", recall))"
                + " (\(truePositives) of \(duplicates) near-duplicates flagged, \(flagged.count - truePositives) distinct pairs flagged)")
        for kind in Set(scored.map(\.pair.kind)).sorted() {
            let values = scored.filter { $0.pair.kind == kind }.map(\.similarity).sorted()
            let hits = values.filter { $0 >= threshold }.count
            print(
                "  \(kind): \(values.count) pairs, similarity min \(String(format: "%.3f", values.first ?? 0))"
                    + " median \(String(format: "%.3f", values[values.count / 2])) max \(String(format: "%.3f", values.last ?? 0)),"
                    + " \(hits) at or above \(threshold)")
        }
    }
}
