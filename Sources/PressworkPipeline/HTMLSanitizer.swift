/// Reduces HTML to an allow-list of tags and attributes, for text that came from a model and goes
/// onto a web page: a model's reply may contain `<script>`, event handlers or `javascript:` links,
/// by accident or because a feed it read put them there.
///
/// - Allowed tags keep only their allowed attributes; `href` keeps only http, https, mailto and
///   relative URLs (checked after decoding character references, so `jav&#x61;script:` is caught).
/// - `script`, `style`, `iframe` and the like are removed with their content; any other tag is
///   removed and its text kept. Comments, doctypes and processing instructions are removed.
/// - Text is escaped; valid character references are kept. Open tags are closed at the end, so
///   a fragment cannot leak formatting into the page around it.
///
/// It works on Unicode scalars, like `ArticleHTML.escape`: a `<` followed by a combining mark is
/// still a `<` to a browser.
public enum HTMLSanitizer {
    /// Tags kept, with the attributes each may carry.
    static let allowed: [String: Set<String>] = [
        "p": ["class"], "br": [], "h2": [], "h3": [], "h4": [], "ul": [], "ol": [], "li": [],
        "em": [], "strong": [], "b": [], "i": [], "code": [], "pre": [], "blockquote": [],
        "a": ["href", "title"], "section": [], "figure": ["class", "data-placement"], "figcaption": [],
        "div": ["role", "aria-label"],
    ]
    /// Tags removed together with everything inside them.
    static let removedWithContent: Set<String> = [
        "script", "style", "iframe", "object", "embed", "noscript", "noembed", "noframes", "textarea", "title",
        "template", "svg", "math", "xmp", "select", "head", "frameset",
    ]
    static let void: Set<String> = ["br"]
    static let safeSchemes: Set<String> = ["http", "https", "mailto"]

    public static func sanitize(_ html: String) -> String {
        var parser = Parser(Array(html.unicodeScalars))
        return parser.run()
    }

    /// True when the block starts with a block-level tag of its own (it is not wrapped in `<p>`).
    public static func startsWithBlock(_ html: String) -> Bool {
        let lowered = html.drop(while: { $0.isWhitespace }).lowercased()
        return ["<p", "<ul", "<ol", "<blockquote", "<pre", "<h2", "<h3", "<h4", "<figure", "<section", "<div"]
            .contains { lowered.hasPrefix($0 + ">") || lowered.hasPrefix($0 + " ") }
    }

    private struct Parser {
        let input: [Unicode.Scalar]
        var position = 0
        var output = String.UnicodeScalarView()
        var open: [String] = []

        init(_ input: [Unicode.Scalar]) {
            self.input = input
        }

        mutating func run() -> String {
            while position < input.count {
                let scalar = input[position]
                if scalar == "<" {
                    markup()
                } else if scalar == "&" {
                    position += 1
                    let reference = characterReference(at: position)
                    if let reference {
                        append("&")
                        output.append(contentsOf: reference)
                        position += reference.count
                    } else {
                        append("&amp;")
                    }
                } else {
                    appendEscaped(scalar)
                    position += 1
                }
            }
            for name in open.reversed() { append("</\(name)>") }
            return String(output)
        }

        // MARK: Markup

        private mutating func markup() {
            let next = peek(1)
            if starts(with: "<!--") {
                position = index(after: "-->", from: position + 4) ?? input.count
            } else if next == "!" || next == "?" {
                position = index(after: ">", from: position + 2) ?? input.count
            } else if next == "/", let third = peek(2), isLetter(third) {
                position += 2
                let name = tagName()
                position = index(after: ">", from: position) ?? input.count
                close(name)
            } else if let next, isLetter(next) {
                position += 1
                startTag()
            } else {
                append("&lt;")
                position += 1
            }
        }

        private mutating func startTag() {
            let name = tagName()
            var attributes: [(String, String)] = []
            var selfClosing = false
            var finished = false
            while position < input.count {
                let scalar = input[position]
                if scalar == ">" {
                    position += 1
                    finished = true
                    break
                }
                if isSpace(scalar) || scalar == "/" {
                    selfClosing = scalar == "/"
                    position += 1
                    continue
                }
                selfClosing = false
                let attributeName = readWhile { !isSpace($0) && $0 != "=" && $0 != ">" && $0 != "/" }.lowercased()
                skipSpaces()
                var value = ""
                if peek(0) == "=" {
                    position += 1
                    skipSpaces()
                    if let quote = peek(0), quote == "\"" || quote == "'" {
                        position += 1
                        value = readWhile { $0 != quote }
                        position += 1
                    } else {
                        value = readWhile { !isSpace($0) && $0 != ">" }
                    }
                }
                if !attributeName.isEmpty { attributes.append((attributeName, value)) }
            }
            // An unterminated tag at the end of the input is dropped, not guessed at.
            guard finished else { return }
            if removedWithContent.contains(name) {
                if !selfClosing { skipContent(of: name) }
                return
            }
            guard let permitted = allowed[name] else { return }
            append("<" + name)
            for (attribute, raw) in attributes where permitted.contains(attribute) {
                let value = decodeReferences(raw)
                if attribute == "href" && !isSafeURL(value) { continue }
                append(" \(attribute)=\"")
                for scalar in value.unicodeScalars { appendEscaped(scalar) }
                append("\"")
            }
            append(">")
            if !void.contains(name) { open.append(name) }
        }

        private mutating func close(_ name: String) {
            guard let index = open.lastIndex(of: name) else { return }
            for inner in open[index...].reversed() { append("</\(inner)>") }
            open.removeSubrange(index...)
        }

        /// Skips to just after `</name…>`, or to the end.
        private mutating func skipContent(of name: String) {
            let closer = Array("</\(name)".unicodeScalars)
            while position < input.count {
                if input[position] == "<", position + closer.count <= input.count,
                    zip(closer, input[position..<position + closer.count]).allSatisfy({ lower($0.1) == $0.0 })
                {
                    let after = position + closer.count
                    if after == input.count || !isNameScalar(input[after]) {
                        position = index(after: ">", from: after) ?? input.count
                        return
                    }
                }
                position += 1
            }
        }

        // MARK: Text

        /// `#123;`, `#x1F;` or `name;` at `start` (just after an `&`), as the scalars to keep.
        private func characterReference(at start: Int) -> [Unicode.Scalar]? {
            var end = start
            var isNumeric = false
            var isHex = false
            if end < input.count, input[end] == "#" {
                isNumeric = true
                end += 1
                if end < input.count, input[end] == "x" || input[end] == "X" {
                    isHex = true
                    end += 1
                }
            }
            let digitsStart = end
            while end < input.count, end - digitsStart < 32 {
                let scalar = input[end]
                let fits =
                    isHex
                    ? scalar.properties.isASCIIHexDigit
                    : isNumeric ? ("0"..."9").contains(scalar) : isNameScalar(scalar)
                guard fits else { break }
                end += 1
            }
            guard end > digitsStart, end < input.count, input[end] == ";" else { return nil }
            if !isNumeric, !isLetter(input[digitsStart]) { return nil }
            return Array(input[start...end])
        }

        /// Decodes the references that could hide a URL scheme (numeric ones, and the named
        /// ones for `:`, tab, newline and the HTML specials); others stay as written.
        private func decodeReferences(_ raw: String) -> String {
            let scalars = Array(raw.unicodeScalars)
            var out = String.UnicodeScalarView()
            var index = 0
            let named: [String: Unicode.Scalar] = [
                "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "colon": ":", "tab": "\t", "newline": "\n",
            ]
            while index < scalars.count {
                let scalar = scalars[index]
                guard scalar == "&", let semicolon = scalars[index...].prefix(34).firstIndex(of: ";") else {
                    out.append(scalar)
                    index += 1
                    continue
                }
                let body = String(String.UnicodeScalarView(scalars[(index + 1)..<semicolon]))
                var decoded: Unicode.Scalar?
                if body.hasPrefix("#x") || body.hasPrefix("#X") {
                    decoded = UInt32(body.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init)
                } else if body.hasPrefix("#") {
                    decoded = UInt32(body.dropFirst()).flatMap(Unicode.Scalar.init)
                } else {
                    decoded = named[body.lowercased()]
                }
                if let decoded {
                    out.append(decoded)
                    index = semicolon + 1
                } else {
                    out.append(scalar)
                    index += 1
                }
            }
            return String(out)
        }

        /// http, https, mailto, or relative (no scheme). Browsers ignore whitespace and control
        /// characters inside a scheme, so they are removed before looking.
        private func isSafeURL(_ value: String) -> Bool {
            let compact = String(String.UnicodeScalarView(value.unicodeScalars.filter { $0.value > 0x20 && $0.value != 0x7F }))
            guard let end = compact.firstIndex(where: { ":/?#".contains($0) }), compact[end] == ":" else { return true }
            let scheme = compact[..<end].lowercased()
            return !scheme.contains("&") && safeSchemes.contains(scheme)
        }

        // MARK: Scanning

        private func peek(_ offset: Int) -> Unicode.Scalar? {
            position + offset < input.count ? input[position + offset] : nil
        }

        private func starts(with text: String) -> Bool {
            let scalars = Array(text.unicodeScalars)
            return position + scalars.count <= input.count && Array(input[position..<position + scalars.count]) == scalars
        }

        private func index(after text: String, from start: Int) -> Int? {
            let scalars = Array(text.unicodeScalars)
            var index = start
            while index + scalars.count <= input.count {
                if Array(input[index..<index + scalars.count]) == scalars { return index + scalars.count }
                index += 1
            }
            return nil
        }

        private mutating func tagName() -> String {
            readWhile(isNameScalar).lowercased()
        }

        private mutating func readWhile(_ predicate: (Unicode.Scalar) -> Bool) -> String {
            var text = String.UnicodeScalarView()
            while position < input.count, predicate(input[position]) {
                text.append(input[position])
                position += 1
            }
            return String(text)
        }

        private mutating func skipSpaces() {
            while position < input.count, isSpace(input[position]) { position += 1 }
        }

        private mutating func append(_ text: String) {
            output.append(contentsOf: text.unicodeScalars)
        }

        private mutating func appendEscaped(_ scalar: Unicode.Scalar) {
            if let entity = ArticleHTML.entity(for: scalar) { append(entity) } else { output.append(scalar) }
        }
    }
}

// Character classes of the HTML tokenizer (ASCII, as HTML defines them).

private func isLetter(_ scalar: Unicode.Scalar) -> Bool {
    ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
}

private func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
    isLetter(scalar) || ("0"..."9").contains(scalar) || scalar == "-"
}

private func isSpace(_ scalar: Unicode.Scalar) -> Bool {
    scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar == "\u{0C}"
}

private func lower(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
    ("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32)! : scalar
}
