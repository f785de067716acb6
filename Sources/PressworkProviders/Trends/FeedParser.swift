import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// One entry of a feed, whatever its format.
public struct FeedItem: Sendable, Equatable {
    public var title: String
    public var link: String?
    public var published: Date?
    public var summary: String?
    /// Google Trends' approximate searches (`ht:approx_traffic`, "200,000+" → 200000).
    public var traffic: Int?
    /// Google Trends' news headlines about the trend (`ht:news_item_title`).
    public var news: [String] = []

    public init(
        title: String, link: String? = nil, published: Date? = nil, summary: String? = nil, traffic: Int? = nil, news: [String] = []
    ) {
        self.title = title
        self.link = link
        self.published = published
        self.summary = summary
        self.traffic = traffic
        self.news = news
    }
}

/// Parses RSS 2.0, Atom 1.0 and Google Trends' RSS (RSS 2.0 with its `ht:` namespace).
///
/// Hostile input is refused before the XML parser sees it: a document with a DTD (`<!DOCTYPE`)
/// is an error, because a DTD is how external entities (XXE) and entity-expansion bombs get in,
/// and no RSS or Atom feed needs one. Without a DTD only XML's five predefined entities exist,
/// and external entities are off as well. Items are capped at `maxItems`.
public enum FeedParser {
    public static let maxItems = 200

    public static func parse(_ data: Data) throws(FeedParseError) -> [FeedItem] {
        try refuseDTD(data)
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = true
        let collector = Collector()
        parser.delegate = collector
        guard !data.isEmpty else { throw FeedParseError("the feed is empty") }
        // Foundation's parser on Linux recovers from some errors and still returns true: any
        // error it reported makes the document malformed.
        let parsed = parser.parse()
        if collector.limitReached { return collector.items }
        if !parsed || collector.error != nil || parser.parserError != nil {
            let (line, column, code) =
                collector.error ?? (parser.lineNumber, parser.columnNumber, (parser.parserError as NSError?)?.code ?? 0)
            throw FeedParseError("not well-formed XML at line \(line), column \(column) (XML error \(code))")
        }
        guard collector.sawFeedRoot else {
            throw FeedParseError("not an RSS or Atom feed (the root element is <\(collector.root ?? "none")>)")
        }
        return collector.items
    }

    /// Looks at the prolog only (declaration, comments, processing instructions, whitespace): a
    /// `<!DOCTYPE` there is refused; the scan stops at the root element, so text inside the
    /// feed (an HTML page quoted in a description) cannot trip it.
    static func refuseDTD(_ data: Data) throws(FeedParseError) {
        let bytes = [UInt8](data.prefix(64 * 1024))
        var index = 0
        func hasPrefix(_ text: String, at position: Int) -> Bool {
            let pattern = Array(text.utf8)
            guard position + pattern.count <= bytes.count else { return false }
            for (offset, byte) in pattern.enumerated() where bytes[position + offset] | 0x20 != byte | 0x20 { return false }
            return true
        }
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "<") else {
                index += 1
                continue
            }
            if hasPrefix("<!doctype", at: index) || hasPrefix("<!entity", at: index) {
                throw FeedParseError(
                    "the feed declares a DTD (<!DOCTYPE>), which is refused: it is how external entities and entity expansion attacks get in"
                )
            }
            if hasPrefix("<!--", at: index) || hasPrefix("<?", at: index) {
                index += 2
                continue
            }
            return  // the root element: the prolog is over
        }
    }

    /// Collects items; confined to one `parse` call.
    private final class Collector: NSObject, XMLParserDelegate {
        var items: [FeedItem] = []
        var root: String?
        var sawFeedRoot = false
        var limitReached = false
        private var current: FeedItem?
        private var path: [String] = []
        private var text = ""
        private var isAtom = false
        /// The first error the parser reported: line, column, libxml2's code.
        var error: (Int, Int, Int)?

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
            if error == nil { error = (parser.lineNumber, parser.columnNumber, (parseError as NSError).code) }
            parser.abortParsing()
        }

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            let name = elementName.lowercased()
            if root == nil {
                root = qualifiedName ?? elementName
                sawFeedRoot = name == "rss" || name == "feed" || name == "rdf"
                isAtom = name == "feed"
            }
            path.append(name)
            text = ""
            if name == "item" || name == "entry" {
                current = FeedItem(title: "")
            } else if isAtom, name == "link", current != nil, let href = attributes["href"] {
                let relation = attributes["rel"] ?? "alternate"
                if relation == "alternate" || current?.link == nil { current?.link = href }
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if text.utf8.count < 100_000 { text += string }
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            if text.utf8.count < 100_000 { text += String(decoding: CDATABlock, as: UTF8.self) }
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            let name = elementName.lowercased()
            defer {
                path.removeLast()
                text = ""
            }
            guard current != nil else { return }
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            switch name {
            case "item", "entry":
                if let item = current, !item.title.isEmpty { items.append(item) }
                current = nil
                if items.count >= FeedParser.maxItems {
                    limitReached = true
                    parser.abortParsing()
                }
            case "title" where path.dropLast().last == "item" || path.dropLast().last == "entry":
                current?.title = value
            case "link" where !isAtom:
                current?.link = value
            case "pubdate", "published", "updated", "date":
                if current?.published == nil { current?.published = FeedDates.parse(value) }
            case "description", "summary", "content":
                // The first of them is the item's summary (a `where` on the case would guard only
                // its last pattern).
                if current?.summary == nil { current?.summary = String(value.prefix(1_000)) }
            case "approx_traffic":
                current?.traffic = FeedParser.traffic(value)
            case "news_item_title":
                if !value.isEmpty { current?.news.append(value) }
            default:
                break
            }
        }
    }

    /// "200,000+", "20K+", "2M+" → a number.
    static func traffic(_ text: String) -> Int? {
        var digits = text.uppercased().filter { $0.isNumber || $0 == "K" || $0 == "M" || $0 == "." }
        var multiplier = 1.0
        if digits.hasSuffix("K") {
            multiplier = 1_000
            digits.removeLast()
        }
        if digits.hasSuffix("M") {
            multiplier = 1_000_000
            digits.removeLast()
        }
        return Double(digits).map { Int($0 * multiplier) }
    }
}

/// RFC 822 dates (RSS) and ISO 8601 (Atom).
enum FeedDates {
    static func parse(_ text: String) -> Date? {
        let iso = ISO8601DateFormatter()
        if let date = iso.date(from: text) { return date }
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = iso.date(from: text) { return date }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        for format in ["EEE, dd MMM yyyy HH:mm:ss Z", "EEE, d MMM yyyy HH:mm:ss zzz", "dd MMM yyyy HH:mm:ss Z"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}

public struct FeedParseError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
