import Foundation
import Hummingbird
import PressworkCore
import PressworkOrchestrator
import PressworkPipeline
import PressworkStore

/// /console/runs/{id}: a run's facts, its timeline of attempts and rounds, each round's input
/// and output, its diagnostics, the article previewed as it will be published (in a sandboxed
/// frame), and the actions that apply to it: retry, cancel, reprocess from a round. The page
/// follows the run live.
struct RunPage: Sendable {
    let console: ConsoleRoutes

    init(_ console: ConsoleRoutes) {
        self.console = console
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/console/runs/:id") { request, requestContext in
            try await console.page(request, scope: .runsRead) { _, layout in
                let run = try await console.run(requestContext)
                return ConsoleResponse.page(
                    layout.render(
                        title: "Run \(run.id.description.prefix(8))", section: .runs,
                        try await detail(run, layout: layout)))
            }
        }
        router.get("/console/runs/:id/events") { request, requestContext in
            guard try await console.signIn.session(request)?.scopes.contains(.runsRead) == true else {
                return ConsoleResponse.page("", status: .unauthorized)
            }
            return ConsoleEventStream.run(try await console.run(requestContext).id, hub: console.context.hub)
        }
        router.get("/console/runs/:id/preview") { request, requestContext in
            guard try await console.signIn.session(request)?.scopes.contains(.runsRead) == true else {
                return ConsoleResponse.page("<p>Sign in to see the preview.</p>", status: .unauthorized)
            }
            let run = try await console.run(requestContext)
            return Self.preview(
                try await console.context.store.artifacts(run.id), images: try await console.context.store.images(of: run.id))
        }
        router.post("/console/runs/:id/retry") { request, requestContext in
            try await console.post(request, scope: .runsWrite) { session, _, _ in
                let run = try await console.run(requestContext)
                _ = try await console.context.store.retry(run, requestedBy: session.actor)
                return ConsoleResponse.redirect(to: "/console/runs/\(run.id)")
            }
        }
        router.post("/console/runs/:id/cancel") { request, requestContext in
            try await console.post(request, scope: .runsWrite) { session, form, _ in
                let run = try await console.run(requestContext)
                let reason = form.trimmed("reason")
                if let reason {
                    guard reason.count <= 500 else {
                        throw ConsoleError(.unprocessableContent, "reason: must be at most 500 characters; nothing was changed")
                    }
                    try RunParams.checkText(reason, field: "reason")
                }
                _ = try await console.context.store.cancel(run.id, reason: reason, by: session.actor)
                return ConsoleResponse.redirect(to: "/console/runs/\(run.id)")
            }
        }
        router.post("/console/runs/:id/reprocess") { request, requestContext in
            try await console.post(request, scope: .runsWrite) { session, form, _ in
                let run = try await console.run(requestContext)
                guard let text = form["round"], let number = Int(text), let round = Round(rawValue: number) else {
                    throw ConsoleError(.unprocessableContent, "round: choose a round from 0 to 7; nothing was changed")
                }
                let (child, _) = try await console.context.store.reprocess(
                    run, from: round, pipelineVersion: console.context.defaults.pipelineVersion, by: session.actor
                )
                return ConsoleResponse.redirect(to: "/console/runs/\(child.id)")
            }
        }
    }

    // MARK: The page

    func detail(_ run: RunRecord, layout: ConsoleLayout) async throws -> HTML {
        let store = console.context.store
        let id = run.id.description
        async let artifactsRead = store.artifacts(run.id)
        async let timelineRead = store.timeline(run.id)
        async let diagnosticsRead = store.diagnostics(run.id)
        let artifacts = try await artifactsRead
        let timeline = try await timelineRead
        let diagnostics = try await diagnosticsRead

        func fact(_ name: String, _ value: HTML) -> HTML { "<tr><th scope=\"row\">\(name)</th><td>\(value)</td></tr>" }
        func text(_ value: String?) -> HTML { "\(value ?? "–")" }
        var facts: [HTML] = [
            fact("Status", "<span class=\"status status-\(run.status.rawValue)\" id=\"run-status\">\(run.status.rawValue)</span>"),
            fact("Reason", text(run.statusReason)),
            fact("Round", text(run.round.map(\.description))),
            fact("Attempt", text(String(run.attempt))),
            fact("Seeds", text(run.params.seeds.joined(separator: ", "))),
            fact("Region and voice", text("\(run.params.region) · \(run.params.brandVoice)")),
            fact("Trigger", text(run.trigger.kind.rawValue + (run.trigger.schedule.map { " (schedule \($0))" } ?? ""))),
            fact(
                "Profile and site",
                text(
                    "\(run.params.profile ?? "process settings") · \(run.params.site ?? (run.params.dryRun ? "dry run" : "process settings"))"
                )),
            fact("Created", ConsoleLayout.time(run.createdAt)),
            fact("Started", ConsoleLayout.time(run.startedAt)),
            fact("Finished", ConsoleLayout.time(run.finishedAt)),
            fact("Tokens", text("\(run.tokensIn) in, \(run.tokensOut) out")),
            fact("Cost", text(String(format: "$%.4f", run.costUSD))),
        ]
        if let parent = run.parentRunID {
            let parentID = parent.description
            facts.append(fact("Reprocess of", "<a href=\"/console/runs/\(parentID)\">\(parentID.prefix(8))</a>"))
        }
        let roundOptions = HTML.join(Round.allCases.map { "<option value=\"\($0.rawValue)\">\($0.description)</option>" })
        var actions: [HTML] = []
        if run.status == .error || run.status == .cancelled {
            actions.append(layout.action("Retry", to: "/console/runs/\(id)/retry", scope: .runsWrite))
        }
        if !run.status.isFinal {
            actions.append(layout.action("Cancel", to: "/console/runs/\(id)/cancel", scope: .runsWrite, style: "danger"))
        }
        if run.status == .needsReview, layout.session?.scopes.contains(.review) == true {
            actions.append("<a href=\"/console/review/\(id)\">Review</a>")
        }
        if let session = layout.session, session.scopes.contains(.runsWrite) {
            actions.append(
                """
                <form method="post" action="/console/runs/\(id)/reprocess" class="inline">\(layout.csrfField(session))
                <label for="reprocess-round">Reprocess from</label> <select id="reprocess-round" name="round">\(roundOptions)</select>
                <button type="submit" class="secondary">Reprocess</button></form>
                """)
        }
        let preview: HTML =
            artifacts[.metadata] != nil && artifacts[.polish] != nil && artifacts[.outline] != nil
            ? "<iframe class=\"preview\" src=\"/console/runs/\(id)/preview\" sandbox title=\"The article as it will be published\"></iframe>"
            : "<p class=\"muted\">The article can be previewed once round 5 (metadata) has run.</p>"
        return """
            <div id="live" data-live="\(run.status.isFinal ? "" : "/console/runs/\(id)/events")">
            <p class="actions">\(HTML.join(actions, separator: " "))</p>
            <table class="facts">\(facts)</table>
            <h2>Timeline</h2>
            \(timelineTable(timeline))
            <h2>Rounds: input and output</h2>
            \(rounds(artifacts, prompts: prompts(run, artifacts)))
            <h2>Diagnostics</h2>
            \(diagnosticsTable(diagnostics))
            <h2>Article preview</h2>
            \(preview)
            </div>
            """
    }

    func timelineTable(_ timeline: RunTimeline) -> HTML {
        guard !timeline.attempts.isEmpty else { return "<p class=\"muted\">Not claimed yet.</p>" }
        return HTML.join(
            timeline.attempts.map { attempt in
                let rows = HTML.join(
                    attempt.rounds.map { round in
                        """
                        <tr><td>\(round.round.description)</td><td class="number">\(round.durationMs)</td>
                        <td class="number">\(round.tokensIn) / \(round.tokensOut)</td><td class="number">\(String(format: "$%.4f", round.costUSD))</td>
                        <td>\(ConsoleLayout.time(round.at))</td></tr>
                        """
                    })
                let events = HTML.join(attempt.events.map { "<li>\($0.diagnostic.kind.rawValue): \($0.diagnostic.message)</li>" })
                let heading =
                    attempt.number == 0
                    ? "Copied from the parent run"
                    : "Attempt \(attempt.number)\(attempt.claimedBy.map { " by \($0)" } ?? "")\(attempt.tookOver ? " (took over an expired lease)" : "")"
                return """
                    <section class="attempt">
                    <h3>\(heading)\(attempt.claimedAt.map { HTML(", claimed \(ConsoleLayout.time($0))") } ?? .empty)</h3>
                    <table><thead><tr><th scope="col">Round</th><th scope="col" class="number">ms</th><th scope="col" class="number">tokens in / out</th>
                    <th scope="col" class="number">cost</th><th scope="col">committed</th></tr></thead><tbody>\(rows)</tbody></table>
                    \(events.description.isEmpty ? HTML.empty : "<ul>\(events)</ul>")
                    \(attempt.ending.map { HTML("<p>Ended: \($0)</p>") } ?? .empty)
                    </section>
                    """
            })
    }

    /// Each round's output, and what it was given: the outputs of the rounds it reads (the run's
    /// params for round 0).
    /// The prompts the run's writer sent, by round; nil when it sends none (the offline writer)
    /// or this server cannot render them.
    func prompts(_ run: RunRecord, _ artifacts: [Round: String]) -> [Round: [SentPrompt]]? {
        guard run.params.profile != nil || run.params.providers.llm != "offline",
            let reconstructor = console.context.defaults.prompts
        else { return nil }
        return Dictionary(grouping: reconstructor.prompts(params: run.params, artifacts: artifacts), by: \.round)
    }

    func rounds(_ artifacts: [Round: String], prompts: [Round: [SentPrompt]]?) -> HTML {
        HTML.join(
            Round.allCases.map { round in
                let sent: HTML
                if round == .trends || round == .publish {
                    sent = .empty
                } else if let prompts {
                    let calls = HTML.join(
                        (prompts[round] ?? []).map { prompt in
                            "<details class=\"prompt\"><summary>Prompt: \(prompt.call)</summary><pre>\(prompt.system)</pre><pre>\(prompt.prompt)</pre></details>"
                        })
                    sent = calls.description.isEmpty ? "<p class=\"muted\">No prompt yet: its inputs are not stored.</p>" : calls
                } else {
                    sent = "<p class=\"muted\">No prompts: the offline writer composes the text itself.</p>"
                }
                let inputs = Self.inputs[round] ?? []
                let input: HTML =
                    inputs.isEmpty
                    ? "the run's seeds, region and voice (above)"
                    : HTML.join(inputs.map { "<a href=\"#round-\($0.rawValue)\">\($0.description)</a>" }, separator: ", ")
                let output: HTML = artifacts[round].map { "<pre>\(Self.pretty($0))</pre>" } ?? "<p class=\"muted\">not run yet</p>"
                return """
                    <details id="round-\(round.rawValue)"\(artifacts[round] == nil ? HTML.empty : " data-done=\"1\"")>
                    <summary>\(round.description)\(artifacts[round] == nil ? " (not run yet)" : "")</summary>
                    <p>Input: \(input)</p>
                    \(sent)
                    \(output)
                    </details>
                    """
            })
    }

    /// What each round reads of the earlier ones (the pipeline's data flow).
    static let inputs: [Round: [Round]] = [
        .ideas: [.trends], .outline: [.ideas, .trends], .drafts: [.outline], .polish: [.drafts, .outline],
        .metadata: [.outline, .polish], .coherence: [.outline, .polish, .metadata], .publish: [.outline, .polish, .metadata],
    ]

    func diagnosticsTable(_ diagnostics: [StoredDiagnostic]) -> HTML {
        guard !diagnostics.isEmpty else { return "<p class=\"muted\">None.</p>" }
        let rows = HTML.join(
            diagnostics.map { item in
                """
                <tr class="diagnostic-\(item.diagnostic.kind.rawValue)"><td>\(ConsoleLayout.time(item.at))</td><td>\(item.diagnostic.kind.rawValue)</td>
                <td>\(item.diagnostic.round.map(\.description) ?? "–")</td><td>\(SecretRedactor.redact(item.diagnostic.message))</td></tr>
                """
            })
        return """
            <table><thead><tr><th scope="col">At</th><th scope="col">Kind</th><th scope="col">Round</th><th scope="col">Message</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
    }

    static func pretty(_ json: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)),
            let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return json }
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: The preview

    /// The article as the dry-run publisher renders it (every text escaped, section bodies
    /// sanitized), served with a CSP that runs nothing: no script, no request to anywhere, no
    /// form; and shown in an `<iframe sandbox>` on the run's page, which denies it scripts and
    /// its origin again. The images round 7 drew are inlined as data URIs (the only images the
    /// CSP allows), each checked again as an image first.
    static func preview(_ artifacts: [Round: String], images: [StoredImage]) -> Response {
        var headers = ConsoleResponse.securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentSecurityPolicy] = "sandbox; default-src 'none'; img-src data:; frame-ancestors 'self'"
        headers[.xFrameOptions] = "SAMEORIGIN"
        do {
            var article = try articleOf(artifacts)
            var sources: [String: String] = [:]
            for stored in images {
                guard let image = try? ArticleImage(stored: stored) else { continue }
                article.images.append(image)
                sources[image.placement] = "data:\(image.image.mediaType);base64,\(image.image.bytes.base64EncodedString())"
            }
            let html = ArticleHTML.render(article, generator: "Presswork console preview", imageSources: sources)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
        } catch {
            return Response(
                status: .notFound, headers: headers,
                body: .init(byteBuffer: ByteBuffer(string: "<p>No article yet: \(ArticleHTML.escape("\(error)"))</p>")))
        }
    }

    static func articleOf(_ artifacts: [Round: String]) throws -> Article {
        func decode<T: Decodable>(_ type: T.Type, _ round: Round) throws -> T {
            guard let text = artifacts[round] else { throw ConsoleError(.notFound, "\(round) has not run") }
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        }
        let related = artifacts[.coherence] == nil ? [] : try decode(CoherenceReport.self, .coherence).related ?? []
        return Article(
            outline: try decode(Outline.self, .outline), sections: try decode([PolishedSection].self, .polish),
            metadata: try decode(Metadata.self, .metadata), related: related)
    }
}
