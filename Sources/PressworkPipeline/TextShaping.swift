import Foundation

/// Small text helpers the rounds share: clipping at word boundaries, slugs, title case.
public enum TextShaping {
    /// `text` cut to at most `limit` characters at a word boundary, with "…" when cut.
    public static func clip(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        let room = String(text.prefix(limit - 1))
        let cut = room.lastIndex(of: " ").map { String(room[..<$0]) } ?? room
        return cut.trimmingCharacters(in: " ,;:-") + "…"
    }

    /// Whitespace runs (tabs, newlines, non-breaking spaces) as one space, trimmed: how
    /// WordPress stores a term's name, and how reply terms are normalized.
    public static func collapsingWhitespace(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// Tags (`<p>`, `</strong>`, `<br/>`, `<svg onload=…>`) removed, their text kept; a `<` that
    /// starts no tag stays.
    public static func strippingTags(_ text: String) -> String {
        text.replacing(/<\/?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?\/?>/, with: "")
    }

    /// Lowercase ASCII words joined by hyphens, at most `limit` characters, cut between words.
    public static func slug(_ text: String, limit: Int) -> String {
        var words: [String] = []
        var current = ""
        for character in text.lowercased().decomposedASCII {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        var slug = ""
        for word in words {
            let next = slug.isEmpty ? word : slug + "-" + word
            guard next.count <= limit else { break }
            slug = next
        }
        return slug.isEmpty ? "article" : slug
    }

    public static func isSlug(_ text: String) -> Bool {
        !text.isEmpty
            && text.split(separator: "-", omittingEmptySubsequences: false).allSatisfy { part in
                !part.isEmpty && part.allSatisfy { ($0.isLetter && $0.isLowercase && $0.isASCII) || ($0.isNumber && $0.isASCII) }
            }
    }

    public static func titleCase(_ text: String) -> String {
        let small: Set<String> = ["a", "an", "and", "at", "for", "in", "of", "on", "or", "the", "to", "with"]
        return text.split(separator: " ").enumerated().map { index, word in
            let lower = word.lowercased()
            if index > 0 && small.contains(lower) { return lower }
            return lower.prefix(1).uppercased() + lower.dropFirst()
        }.joined(separator: " ")
    }

    public static func sentenceCase(_ text: String) -> String {
        text.prefix(1).uppercased() + text.dropFirst()
    }

    /// Words of letters and digits (with the combining marks that belong to them), lowercased.
    /// Scans Unicode scalars with an ASCII fast path, and copies each word out of the text in one
    /// piece: the review and the offline embedding call this on every section, and grapheme
    /// breaking, then appending scalar by scalar, made it their largest cost.
    public static func words(_ text: String) -> [String] {
        let scalars = text.lowercased().unicodeScalars
        var words: [String] = []
        var start: String.Index?
        var index = scalars.startIndex
        while index != scalars.endIndex {
            if isWordScalar(scalars[index]) {
                if start == nil { start = index }
            } else if let wordStart = start {
                words.append(String(scalars[wordStart..<index]))
                start = nil
            }
            scalars.formIndex(after: &index)
        }
        if let wordStart = start { words.append(String(scalars[wordStart...])) }
        return words
    }

    /// The paragraphs of a section's body: the pieces between blank lines ("\n\n"), found left to
    /// right, empty pieces kept, as `components(separatedBy: "\n\n")` gives them, by bytes (a
    /// carriage return before a blank line stays with the paragraph before it), without
    /// Foundation's general search, which was 4 % of a worker's CPU.
    public static func paragraphs(_ text: String) -> [String] {
        let utf8 = text.utf8
        let scalars = text.unicodeScalars
        var paragraphs: [String] = []
        var start = utf8.startIndex
        var index = utf8.startIndex
        while index != utf8.endIndex {
            let next = utf8.index(after: index)
            if utf8[index] == UInt8(ascii: "\n"), next != utf8.endIndex, utf8[next] == UInt8(ascii: "\n") {
                paragraphs.append(String(scalars[start..<index]))
                index = utf8.index(after: next)
                start = index
            } else {
                index = next
            }
        }
        paragraphs.append(String(scalars[start..<utf8.endIndex]))
        return paragraphs
    }

    private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x30...0x39, 0x61...0x7A, 0x41...0x5A: return true
        case 0..<0x80: return false
        default:
            let properties = scalar.properties
            return properties.isAlphabetic || properties.numericType != nil
                || properties.generalCategory == .nonspacingMark || properties.generalCategory == .spacingMark
        }
    }

    /// `text` with each phrase replaced, matched whole-word only ("it is" in "visit is" is not a
    /// match), in one pass over the UTF-8 bytes. Phrases must be ASCII.
    public static func replacingPhrases(_ replacements: [(String, String)], in text: String) -> String {
        let patterns = replacements.map { (Array($0.0.utf8), Array($0.1.utf8)) }
        precondition(patterns.allSatisfy { $0.0.allSatisfy { $0 < 0x80 } && !$0.0.isEmpty }, "phrases must be ASCII")
        let bytes = Array(text.utf8)
        // Bytes of multi-byte characters (>= 0x80) count as word bytes, so a phrase next to "é"
        // is not a whole word either.
        func isWordByte(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte >= 0x80 || byte == 0x27
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        outer: while index < bytes.count {
            if index == 0 || !isWordByte(bytes[index - 1]) {
                for (pattern, replacement) in patterns where bytes[index] == pattern[0] {
                    let end = index + pattern.count
                    guard end <= bytes.count, bytes[index..<end].elementsEqual(pattern),
                        end == bytes.count || !isWordByte(bytes[end])
                    else { continue }
                    out.append(contentsOf: replacement)
                    index = end
                    continue outer
                }
            }
            out.append(bytes[index])
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    /// Letters with their accents removed where a plain ASCII letter exists ("café" → "cafe").
    var decomposedASCII: String {
        String(
            String.UnicodeScalarView(
                decomposedStringWithCanonicalMapping.unicodeScalars.filter {
                    $0.isASCII || !$0.properties.isDiacritic && $0.properties.generalCategory != .nonspacingMark
                }))
    }

    func trimmingCharacters(in characters: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, characters.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, characters.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
