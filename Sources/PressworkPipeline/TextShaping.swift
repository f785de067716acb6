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
        !text.isEmpty && text.split(separator: "-", omittingEmptySubsequences: false).allSatisfy { part in
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

    /// Words of letters and digits, lowercased.
    public static func words(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }
}

extension String {
    /// Letters with their accents removed where a plain ASCII letter exists ("café" → "cafe").
    var decomposedASCII: String {
        String(String.UnicodeScalarView(decomposedStringWithCanonicalMapping.unicodeScalars.filter {
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
