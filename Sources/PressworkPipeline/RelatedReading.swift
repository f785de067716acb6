import Foundation
import PressworkCore

/// Which earlier posts an article links to under "Related reading": of the duplicate check's
/// nearest neighbours, those published the way this run publishes (a dry run links to dry runs,
/// a post to posts that are live on the same site), related enough (`thresholds.related`) and not
/// duplicates (`thresholds.duplicate`), nearest first, each address once.
public enum RelatedReading {
    /// How many links an article gets at most.
    public static let limit = 3

    public static func choose(from neighbours: [Neighbor], params: RunParams, limit: Int = RelatedReading.limit) -> [RelatedPost] {
        var seen: Set<String> = []
        var chosen: [RelatedPost] = []
        for neighbour in neighbours.sorted(by: { $0.similarity > $1.similarity }) {
            guard chosen.count < limit else { break }
            guard neighbour.similarity >= params.thresholds.relatedMinimum, neighbour.similarity < params.thresholds.duplicate,
                let link = neighbour.link, isLinkable(link, params: params), seen.insert(link.url).inserted
            else { continue }
            chosen.append(RelatedPost(runId: neighbour.runId, title: neighbour.title, url: link.url, similarity: neighbour.similarity))
        }
        return chosen
    }

    /// A dry run's HTML links to the files beside it (`<run id>.html`); a WordPress post to
    /// published (not draft or scheduled) posts of its own site, by an http(s) URL.
    static func isLinkable(_ link: PublishedLink, params: RunParams) -> Bool {
        guard link.site == params.site else { return false }
        if params.dryRun {
            return link.mode == .dryRun && isDryRunFile(link.url)
        }
        guard link.mode == .wordpress, link.postStatus == "publish",
            let url = URL(string: link.url), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
            url.host?.isEmpty == false
        else { return false }
        return true
    }

    /// `<uuid>.html`, nothing else: no path, no scheme.
    static func isDryRunFile(_ name: String) -> Bool {
        guard name.hasSuffix(".html") else { return false }
        return RunID(String(name.dropLast(5))) != nil
    }
}
