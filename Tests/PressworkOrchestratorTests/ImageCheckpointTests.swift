import Foundation
import PressworkCore
import PressworkOrchestrator
import PressworkPipeline
import PressworkStore
import Synchronization
import Testing

/// Round 7's images on a real Postgres: each kept in the images table as it is drawn, so a
/// retried round draws only what is missing; a failed image that is not required leaves a
/// warning and a post without it.
@Suite struct ImageCheckpointTests {
    @Test func eachImageIsKeptAndARetriedRoundDrawsOnlyTheMissingOne() async throws {
        let harness = try await Harness.make("images")
        let run = try await harness.create(["winter cycling"])
        let images = FlakyImages(failOnceAt: "section-1")
        let outcome = try await harness.orchestrator(images: images, imagesRequired: true).execute(run.id)
        #expect(outcome.status == .done, "\(outcome.reason ?? "")")

        let stored = try await harness.store.images(of: run.id)
        let metadata = try JSONDecoder().decode(
            Metadata.self, from: Data(try #require(try await harness.store.artifacts(run.id)[.metadata]).utf8))
        let planned = metadata.imagePrompts.map(\.placement)
        #expect(stored.map(\.placement).sorted() == planned.sorted())
        // The round failed at section-1 (transient) and was retried: what was drawn before was kept.
        for placement in planned {
            #expect(images.draws(placement) == (placement == "section-1" ? 2 : 1), "\(placement)")
        }
        for image in stored {
            #expect(try ImageData.checked(image.bytes, declared: image.mediaType).sha256 == image.sha256)
            #expect(image.prompt == metadata.imagePrompts.first { $0.placement == image.placement }?.prompt)
        }
        let result = try JSONDecoder().decode(
            PublishResult.self, from: Data(try #require(try await harness.store.artifacts(run.id)[.publish]).utf8))
        #expect(result.images?.map(\.sha256).sorted() == stored.map(\.sha256).sorted())
        #expect(result.images?.allSatisfy { FileManager.default.fileExists(atPath: $0.file ?? "") } == true)
        #expect(result.imagesMissing == nil)
        // The round's cost is every image's: 0.01 each, the one drawn twice paid once.
        let cost = try await harness.pool.query("SELECT cost_usd FROM runs WHERE id = \(run.id)").scalar(Double.self)
        #expect(abs(cost - 0.01 * Double(planned.count)) < 1e-9, "\(cost)")
        await harness.close()
    }

    @Test func aFailedImageThatIsNotRequiredLeavesAWarningAndThePostGoesWithout() async throws {
        let harness = try await Harness.make("images")
        let run = try await harness.create(["alpine cheese"])
        let outcome = try await harness.orchestrator(images: FlakyImages(failAlwaysAt: "hero")).execute(run.id)
        #expect(outcome.status == .done, "\(outcome.reason ?? "")")

        let stored = try await harness.store.images(of: run.id)
        #expect(!stored.isEmpty && !stored.contains { $0.placement == "hero" })
        let warnings = try await harness.diagnostics(run.id, kind: .warning).filter { $0.round == .publish }
        #expect(warnings.count == 1)
        #expect(warnings.first?.message.contains("image hero (flaky) failed, the post goes without it") == true)
        let html = try String(contentsOfFile: harness.output + "/\(run.id).html", encoding: .utf8)
        #expect(html.contains("image-placeholder\" data-placement=\"hero\""))
        #expect(html.contains("<img src=\"\(run.id).section-"))
        await harness.close()
    }
}

/// The offline cards at 0.01 US dollars each, failing where told: once (transient), or always
/// (permanent, as a refused image).
final class FlakyImages: ImageProvider {
    let name = "flaky"
    private let state: Mutex<(draws: [String: Int], once: String?)>
    private let always: String?

    init(failOnceAt once: String? = nil, failAlwaysAt always: String? = nil) {
        state = Mutex(([:], once))
        self.always = always
    }

    func draws(_ placement: String) -> Int { state.withLock { $0.draws[placement] ?? 0 } }

    func generate(_ request: ImageRequest) async throws -> Generated<ImageData> {
        let failOnce = state.withLock { state in
            state.draws[request.placement, default: 0] += 1
            guard state.once == request.placement else { return false }
            state.once = nil
            return true
        }
        if failOnce { throw InjectedFailure(isTransient: true) }
        if request.placement == always { throw InjectedFailure(isTransient: false) }
        let card = try await OfflineImageProvider().generate(request).value
        return Generated(card, usage: TokenUsage(costUSD: 0.01, calls: 1))
    }
}
