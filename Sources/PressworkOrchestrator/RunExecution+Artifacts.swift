import Foundation
import PressworkCore
import PressworkPipeline

/// Typed access to the artifacts of earlier rounds.
extension RunExecution {
    func decode<T: Decodable>(_ type: T.Type, round: Round, from artifacts: [Round: String]) throws -> T {
        guard let text = artifacts[round] else {
            throw PipelineError(round, "the artifact of \(round) is missing")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw PipelineError(round, "the stored artifact of \(round) does not decode as \(T.self): \(error)")
        }
    }

    func decodeArticleParts(_ artifacts: [Round: String]) throws -> (outline: Outline, sections: [PolishedSection]) {
        (
            try decode(Outline.self, round: .outline, from: artifacts),
            try decode([PolishedSection].self, round: .polish, from: artifacts)
        )
    }

    func decodeArticle(_ artifacts: [Round: String]) throws -> Article {
        let parts = try decodeArticleParts(artifacts)
        // Round 7 links what round 6 chose; round 6 itself reads the article without.
        let related = artifacts[.coherence] == nil ? [] : try decode(CoherenceReport.self, round: .coherence, from: artifacts).related ?? []
        return Article(
            outline: parts.outline, sections: parts.sections,
            metadata: try decode(Metadata.self, round: .metadata, from: artifacts), related: related)
    }
}
