import ArgumentParser
import Foundation
import PressworkCore
import PressworkOrchestrator
import PressworkPipeline
import PressworkRuntime
import PressworkStore

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Create a run and execute it here, showing progress.",
        discussion: """
            Validates the parameters (nothing is written when one is bad), creates the run and executes \
            all eight rounds in this process through the same claim and lease that workers use. Progress \
            goes to stderr; the result (status, run id, HTML path) to stdout, or the run document with --json.
            The default providers are offline: trends from the seeds, the deterministic offline writer and \
            embedding, no network and no key. --llm openai writes rounds 1–6 with any OpenAI-compatible \
            server (OpenAI, Ollama, vLLM, llama.cpp, LM Studio, OpenRouter), --llm gemini with Google's \
            Gemini; --trends feeds|google reads RSS/Atom feeds or Google Trends; see the README for settings. \
            --profile names a writer profile (presswork profiles) instead. Without WordPress settings every \
            run is a dry run: round 7 writes the article's HTML to <home>/output/<run id>.html. With --site, \
            or WORDPRESS_URL, WORDPRESS_USER and WORDPRESS_APP_PASSWORD set, round 7 publishes one post per \
            run (unless --dry-run is given).
            """ + "\n" + RunOutput.exitCodesHelp
    )

    @Option(name: .customLong("seed"), help: "A topic to write about; repeat for several (at most 10).")
    var seeds: [String] = []

    @Option(help: "ISO 3166-1 alpha-2 country code of the audience (default US).")
    var region: String?

    @Option(help: "The brand voice, in a few words (default \"\(RunParams.defaultVoice)\").")
    var voice: String?

    @Flag(help: "Assemble the HTML instead of publishing (always the case when WordPress is not configured).")
    var dryRun = false

    @Option(help: "Return the existing run for this key instead of creating a second one.")
    var idempotencyKey: String?

    @Flag(help: "Only queue the run for workers and print its id.")
    var enqueue = false

    @Option(help: "Coherence below this skips the run (0…1, default 0.5).")
    var reviewThreshold: Double?

    @Option(help: "Coherence below this waits for review (0…1, default 0.7).")
    var publishThreshold: Double?

    @Option(help: "Similarity to an earlier article at or above this skips the run as a duplicate (0…1, default 0.9).")
    var duplicateThreshold: Double?

    @Option(
        help:
            "An earlier post of the same site this similar or more (and below the duplicate threshold) is linked under \"Related reading\" (0…1, default 0.5)."
    )
    var relatedThreshold: Double?

    @Option(
        name: .customLong("budget-usd"), parsing: .unconditional,
        help:
            "The most this run may spend on priced models, in US dollars (default: $PRESSWORK_RUN_BUDGET_USD, else no limit; prices: $PRESSWORK_PRICES)."
    )
    var budgetUSD: Double?

    @Flag(help: "Print the run document as JSON instead of a summary.")
    var json = false

    @OptionGroup var choice: ProfileOptions

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        // The API's limit for the same field: one rule for every way in.
        if let idempotencyKey, idempotencyKey.isEmpty || idempotencyKey.count > 200 {
            throw ValidationError("--idempotency-key must be 1–200 characters, not \(idempotencyKey.count)")
        }
    }

    func run() async throws {
        // Everything is checked before the database is touched: a bad field changes nothing.
        let defaults = GateThresholds()
        let thresholds = GateThresholds(
            review: reviewThreshold ?? defaults.review, publish: publishThreshold ?? defaults.publish,
            duplicate: duplicateThreshold ?? defaults.duplicate, related: relatedThreshold
        )
        let settings = try global.resolveSettings()
        let publishing = !dryRun && (choice.site != nil || settings.providers.wordpress != nil)
        let params = try RunParams.validated(
            seeds: seeds, region: region, brandVoice: voice, dryRun: !publishing, thresholds: thresholds, budgetUSD: budgetUSD,
            profile: choice.profile, site: choice.site
        )
        if !dryRun && !publishing {
            StandardError.write(
                "WordPress is not configured (WORDPRESS_URL, WORDPRESS_USER, WORDPRESS_APP_PASSWORD, or --site): this is a dry run.\n"
            )
        }
        try await withServices(global) { services in
            // The profile and site exist and resolve here, or nothing is written.
            try await execute(try await services.catalog.prepare(params), services: services)
        }
    }

    private func execute(_ params: RunParams, services: Services) async throws {
        // Created claimed by this process (unless only queued): a `serve` beside it cannot take it.
        let orchestrator = services.orchestrator()
        let claim = enqueue ? nil : (owner: orchestrator.configuration.owner, leaseSeconds: orchestrator.configuration.leaseSeconds)
        let (run, created) = try await services.store.create(
            params: params, trigger: .cli, pipelineVersion: Pipeline.version, idempotencyKey: idempotencyKey, claimedBy: claim
        )
        let id = run.id.description
        // The same key with other params is a mistake, not a replay (the API answers 422).
        if !created, run.params != params {
            throw RunStateError(
                .conflict,
                "--idempotency-key \(idempotencyKey ?? "") was used for run \(id) with other params; "
                    + "use another key, or the same params to get that run")
        }
        if !created { StandardError.write("idempotency key matches run \(id) (\(run.status))\n") }
        if enqueue {
            print(id)
            return
        }
        let choice = params.providers
        let profile = params.profile.map { "profile \($0) v\(params.profileVersion ?? 0): " } ?? ""
        let providers = profile + (choice.isOffline ? "offline providers" : "writer \(choice.llm), embeddings \(choice.embeddings)")
        let target =
            params.dryRun ? "dry run" : "publishing to " + (params.site.map { "site \($0), " } ?? "") + (choice.publisher ?? "WordPress")
        StandardError.write("run \(id) — \(providers), \(target)\n")
        if created, let lease = run.lease {
            try await Execution.execute(run.id, services: services, json: json, claimed: lease, orchestrator: orchestrator)
        } else if run.status == .queued {
            try await Execution.execute(run.id, services: services, json: json, orchestrator: orchestrator)
        } else {
            try await RunOutput.printResult(of: run.id, outcome: nil, services: services, json: json)
        }
    }
}
