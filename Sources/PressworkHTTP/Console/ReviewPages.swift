import Foundation
import Hummingbird
import PressworkCore
import PressworkPipeline
import PressworkStore

/// /console/review: the runs waiting at the gate; /console/review/{id}: the article, a form to
/// edit its metadata and sections (validated as `review approve --edit FILE` validates, errors
/// beside the fields, what was typed kept), and approve or reject with a reason.
struct ReviewPages: Sendable {
    let console: ConsoleRoutes

    init(_ console: ConsoleRoutes) {
        self.console = console
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/console/review") { request, _ in
            try await console.page(request, scope: .review) { _, layout in
                let waiting = try await console.context.store.listPage(RunFilter(statuses: [.needsReview]), limit: 200).runs
                let rows = HTML.join(
                    waiting.map { run in
                        let id = run.id.description
                        return """
                            <tr><td><a href="/console/review/\(id)">\(id.prefix(8))</a></td><td>\(run.params.seeds.joined(separator: ", "))</td>
                            <td>\(run.statusReason ?? "")</td><td>\(ConsoleLayout.time(run.finishedAt ?? run.createdAt))</td></tr>
                            """
                    })
                let list: HTML =
                    waiting.isEmpty
                    ? "<p>No run is waiting for review.</p>"
                    : """
                    <table><thead><tr><th scope="col">Run</th><th scope="col">Seeds</th><th scope="col">Why it waits</th><th scope="col">Since</th></tr></thead>
                    <tbody>\(rows)</tbody></table>
                    """
                // Redrawn when a run comes to need review or leaves the queue (with runs:read,
                // which the event stream needs; without it the page stays as loaded).
                let content: HTML = "<div id=\"live\" data-live=\"/console/events\">\(list)</div>"
                return ConsoleResponse.page(layout.render(title: "Review", section: .review, content))
            }
        }
        router.get("/console/review/:id") { request, requestContext in
            try await console.page(request, scope: .review) { session, layout in
                let run = try await console.run(requestContext)
                let article = try RunPage.articleOf(try await console.context.store.artifacts(run.id))
                return ConsoleResponse.page(
                    layout.render(
                        title: "Review run \(run.id.description.prefix(8))", section: .review,
                        form(run, values: Self.values(article), errors: [:], layout: layout, session: session)))
            }
        }
        router.post("/console/review/:id") { request, requestContext in
            try await console.post(request, scope: .review) { session, form, layout in
                let run = try await console.run(requestContext)
                let article = try RunPage.articleOf(try await console.context.store.artifacts(run.id))
                switch form["decision"] {
                case "reject":
                    let reason = form.trimmed("reason")
                    if let reason {
                        do {
                            guard reason.count <= 500 else { throw ValidationError(field: "reason", "must be at most 500 characters") }
                            try RunParams.checkText(reason, field: "reason")
                        } catch let error as ValidationError {
                            return rejected(run, form: form, errors: ["reason": error.problem], layout: layout, session: session)
                        }
                    }
                    _ = try await console.context.store.reject(run, reason: reason, by: session.actor)
                case "approve":
                    let (edits, errors) = Self.edits(from: form, original: article)
                    guard errors.isEmpty else { return rejected(run, form: form, errors: errors, layout: layout, session: session) }
                    _ = try await console.context.store.approve(run, edits: edits, by: session.actor)
                default:
                    throw ConsoleError(.unprocessableContent, "decision must be approve or reject; nothing was changed")
                }
                return ConsoleResponse.redirect(to: "/console/runs/\(run.id)")
            }
        }
    }

    /// The form again, with what was typed and the errors beside the fields; nothing changed.
    func rejected(
        _ run: RunRecord, form: ConsoleForm, errors: [String: String], layout: ConsoleLayout, session: ConsoleSessionStore.Session
    ) -> Response {
        let content = self.form(run, values: form.values, errors: errors, layout: layout, session: session)
        return ConsoleResponse.page(
            layout.render(title: "Review run \(run.id.description.prefix(8))", section: .review, content),
            status: .unprocessableContent)
    }

    static let metadataFields: [(name: String, label: String, multiline: Bool)] = [
        ("seoTitle", "SEO title", false), ("metaDescription", "Meta description", true), ("slug", "Slug", false),
        ("excerpt", "Excerpt", true), ("tags", "Tags (comma-separated)", false), ("categories", "Categories (comma-separated)", false),
    ]

    static func values(_ article: Article) -> [String: String] {
        let metadata = article.metadata
        var values = [
            "seoTitle": metadata.seoTitle, "metaDescription": metadata.metaDescription, "slug": metadata.slug,
            "excerpt": metadata.excerpt, "tags": metadata.tags.joined(separator: ", "),
            "categories": metadata.categories.joined(separator: ", "),
        ]
        for section in article.sections {
            values["section-\(section.index)-heading"] = section.heading
            values["section-\(section.index)-body"] = section.body
        }
        return values
    }

    /// The replacement artifacts the form describes, validated by `ReviewEdits` (the schemas the
    /// CLI's edit files meet) with each problem mapped back to its field; only what changed is
    /// replaced.
    static func edits(from form: ConsoleForm, original article: Article) -> (edits: [(Round, JSONValue)], errors: [String: String]) {
        var errors: [String: String] = [:]
        var metadata = article.metadata
        func list(_ text: String) -> [String] {
            text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        metadata.seoTitle = form["seoTitle"] ?? metadata.seoTitle
        metadata.metaDescription = form["metaDescription"] ?? metadata.metaDescription
        metadata.slug = form["slug"] ?? metadata.slug
        metadata.excerpt = form["excerpt"] ?? metadata.excerpt
        metadata.tags = form["tags"].map(list) ?? metadata.tags
        metadata.categories = form["categories"].map(list) ?? metadata.categories
        var sections = article.sections
        for position in sections.indices {
            let index = sections[position].index
            sections[position].heading = form["section-\(index)-heading"] ?? sections[position].heading
            sections[position].body = (form["section-\(index)-body"] ?? sections[position].body).replacingOccurrences(
                of: "\r\n", with: "\n")
        }
        // The limits a reviewer is held to beyond the schemas, as the pipeline holds the writer.
        if metadata.seoTitle.count > Metadata.seoTitleLimit { errors["seoTitle"] = "must be at most \(Metadata.seoTitleLimit) characters" }
        if metadata.metaDescription.count > Metadata.metaDescriptionLimit {
            errors["metaDescription"] = "must be at most \(Metadata.metaDescriptionLimit) characters"
        }
        for (name, value) in [
            ("seoTitle", metadata.seoTitle), ("metaDescription", metadata.metaDescription), ("slug", metadata.slug),
            ("excerpt", metadata.excerpt),
        ] where errors[name] == nil {
            do { try RunParams.checkText(value, field: name) } catch { errors[name] = error.problem }
        }
        var document: [(String, JSONValue)] = []
        if metadata != article.metadata, let value = try? JSONValue.encoding(metadata) { document.append(("metadata", value)) }
        if sections != article.sections, let value = try? JSONValue.encoding(sections) { document.append(("sections", value)) }
        guard !document.isEmpty else { return ([], errors) }
        do {
            let edits = try ReviewEdits.parse(.object(document), field: "edits")
            return errors.isEmpty ? (edits, [:]) : ([], errors)
        } catch let error as ValidationError {
            // "metadata.seoTitle: …; sections[0].body: …": each problem beside its field.
            for problem in error.problem.components(separatedBy: "; ") {
                let path = problem.prefix { $0 != ":" }
                let message = String(problem.dropFirst(path.count + 1)).trimmingCharacters(in: .whitespaces)
                errors[Self.field(forPath: String(path), sections: sections)] = message
            }
            return ([], errors)
        } catch {
            return ([], ["metadata": "\(error)"])
        }
    }

    /// The form field of a schema path: `metadata.seoTitle` → `seoTitle`, `sections[2].body` →
    /// `section-<index of the third section>-body`.
    static func field(forPath path: String, sections: [PolishedSection]) -> String {
        if path.hasPrefix("metadata.") {
            let name = path.dropFirst("metadata.".count).prefix { $0.isLetter }
            return metadataFields.contains { $0.name == name } ? String(name) : "metadata"
        }
        if path.hasPrefix("sections["), let close = path.firstIndex(of: "]"),
            let position = Int(path[path.index(path.startIndex, offsetBy: 9)..<close]), sections.indices.contains(position)
        {
            let rest = path[path.index(after: close)...].drop { $0 == "." }.prefix { $0.isLetter }
            return "section-\(sections[position].index)-\(rest.isEmpty ? "body" : rest)"
        }
        return "metadata"
    }

    func form(
        _ run: RunRecord, values: [String: String], errors: [String: String], layout: ConsoleLayout,
        session: ConsoleSessionStore.Session
    ) -> HTML {
        let id = run.id.description
        let fields = ConsoleFields(values: values, errors: errors)
        func field(_ name: String, _ label: String, multiline: Bool) -> HTML {
            multiline ? fields.textarea(name, label) : fields.input(name, label)
        }
        let metadata = HTML.join(Self.metadataFields.map { field($0.name, $0.label, multiline: $0.multiline) })
        let sectionIndices = values.keys.compactMap { key -> Int? in
            guard key.hasPrefix("section-"), key.hasSuffix("-heading") else { return nil }
            return Int(key.dropFirst("section-".count).dropLast("-heading".count))
        }.sorted()
        let sections = HTML.join(
            sectionIndices.map { index in
                """
                <fieldset><legend>Section \(index + 1)</legend>
                \(field("section-\(index)-heading", "Heading", multiline: false))
                \(field("section-\(index)-body", "Body", multiline: true))
                </fieldset>
                """
            })
        let summary = ConsoleFields.summary(errors)
        let waiting: HTML =
            run.status == .needsReview
            ? .empty
            : "<p class=\"notice\">This run is \(run.status.rawValue), not waiting for review: a decision will be refused.</p>"
        return """
            \(summary)
            \(waiting)
            <p>Why it waits: \(run.statusReason ?? "–"). <a href="/console/runs/\(id)">The run</a></p>
            <iframe class="preview" src="/console/runs/\(id)/preview" sandbox title="The article as it will be published"></iframe>
            <form method="post" action="/console/review/\(id)" class="edit" novalidate>
              \(layout.csrfField(session))
              <fieldset><legend>Metadata</legend>\(metadata)</fieldset>
              \(sections)
              \(field("reason", "Reason (for a rejection)", multiline: false))
              <p><button type="submit" name="decision" value="approve">Approve</button>
              <button type="submit" name="decision" value="reject" class="danger">Reject</button></p>
            </form>
            """
    }
}
