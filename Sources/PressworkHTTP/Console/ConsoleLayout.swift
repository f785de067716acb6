import Foundation
import PressworkStore

/// The frame of every console page: the navigation, who is signed in, the sign-out form, and
/// the page's content. Styles and the script come from /console/assets (the CSP allows nothing
/// inline).
struct ConsoleLayout {
    enum Section: String, CaseIterable {
        case overview = "Overview"
        case runs = "Runs"
        case review = "Review"
        case schedules = "Schedules"
        case webhooks = "Webhooks"
        case monitor = "Monitor"

        var path: String {
            switch self {
            case .overview: return "/console"
            case .runs: return "/console/runs"
            case .review: return "/console/review"
            case .schedules: return "/console/schedules"
            case .webhooks: return "/console/webhooks"
            case .monitor: return "/console/monitor"
            }
        }
    }

    let session: ConsoleSessionStore.Session?

    func render(title: String, section: Section?, _ content: HTML) -> HTML {
        let navigation = HTML.join(
            Section.allCases.map { item in
                item == section
                    ? "<a href=\"\(item.path)\" aria-current=\"page\">\(item.rawValue)</a>"
                    : "<a href=\"\(item.path)\">\(item.rawValue)</a>"
            })
        let account: HTML
        if let session {
            account = """
                <form method="post" action="/console/sign-out" class="sign-out">
                  <span>\(session.tokenName.map { "token \($0)" } ?? "signed in with a console-url link")</span>
                  \(csrfField(session))
                  <button type="submit">Sign out</button>
                </form>
                """
        } else {
            account = .empty
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <title>\(title) · Presswork</title>
              <link rel="stylesheet" href="/console/assets/console.css">
              <script src="/console/assets/console.js" defer></script>
            </head>
            <body>
              <header>
                <a class="brand" href="/console">Presswork</a>
                <nav aria-label="Console">\(session == nil ? .empty : navigation)</nav>
                \(account)
              </header>
              <main id="main">
                <h1>\(title)</h1>
                \(content)
              </main>
            </body>
            </html>
            """
    }

    func csrfField(_ session: ConsoleSessionStore.Session) -> HTML {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(session.csrfToken)\">"
    }

    /// A button that posts to `action`, shown only when the session has `scope`: a read-only
    /// sign-in sees no buttons (and the server refuses its posts all the same).
    func action(_ label: String, to action: String, scope: TokenStore.Scope, fields: [(String, String)] = [], style: String = "") -> HTML {
        guard let session, session.scopes.contains(scope) else { return .empty }
        let hidden = HTML.join(fields.map { "<input type=\"hidden\" name=\"\($0.0)\" value=\"\($0.1)\">" })
        return """
            <form method="post" action="\(action)" class="inline">\(csrfField(session))\(hidden)<button type="submit" class="\(style)">\(label)</button></form>
            """
    }

    static func time(_ date: Date?) -> HTML {
        guard let date else { return "–" }
        let text = date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: false).timeSeparator(.colon))
        return "<time datetime=\"\(text)\">\(text)</time>"
    }
}
