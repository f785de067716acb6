import Foundation
import Logging
import PressworkCore
import PressworkPipeline
import PressworkStore
import Testing
import TestSupport
@testable import PressworkRuntime

/// A run queued by a process configured with other providers (a CLI with `--llm openai`, a
/// worker left offline) is not written by providers it did not ask for: it ends as `error`
/// saying what differs.
@Suite struct ProviderMismatchTests {
    @Test func aRunAskingForOtherProvidersEndsInErrorSayingWhich() async throws {
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let settings = try RuntimeSettings.resolve(.init(home: try TemporaryFolder.make()), environment: [:])
        let pool = try await TestDatabase.makePool("mismatch")
        _ = try await Migrator(logger: logger).migrate(pool)
        let services = Services(settings: settings, pool: pool, store: RunStore(pool: pool), logger: logger)
        let asked = ProviderChoice(llm: "openai(api.openai.com)/gpt-4o-mini", embeddings: "offline", trends: "seeds")
        let run = try await services.store.create(
            params: try RunParams.validated(seeds: ["home espresso"], providers: asked), trigger: .cli,
            pipelineVersion: Pipeline.version
        ).run
        let outcome = try await services.orchestrator().execute(run.id)
        #expect(outcome.status == .error)
        #expect(outcome.reason?.contains("this run asks for writer openai(api.openai.com)/gpt-4o-mini (here: offline)") == true)
        #expect(try await services.store.artifacts(run.id).isEmpty)

        // The same run under matching providers is executed.
        let offline = try await services.store.create(
            params: try RunParams.validated(seeds: ["winter cycling"]), trigger: .cli, pipelineVersion: Pipeline.version
        ).run
        #expect(try await services.orchestrator().execute(offline.id).status == .done)
        await services.close()
    }
}
