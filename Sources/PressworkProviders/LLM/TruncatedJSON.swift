/// Closes JSON that was cut off at a model's output limit, keeping what arrived.
///
/// A reply cut off inside a long string (a section body a small model kept writing) is
/// otherwise lost whole, and asking again with the same room gets the same. Closing it keeps
/// every complete member and the cut string (its tail is then cut at a word boundary by the
/// normalizer); what is left half-written (a key without a value, a number cut short) is
/// dropped. The result is only used when it passes the same checks as any reply.
enum TruncatedJSON {
    /// The text with its open strings, arrays and objects closed; nil when it is not the
    /// beginning of an object or array.
    static func close(_ text: String) -> String? {
        let scalars = Array(text.unicodeScalars)
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            scalars[first] == "{" || scalars[first] == "["
        else { return nil }
        // Containers open at each point, and whether a string is open; `safe` is the last end
        // of a complete value (or of an opening bracket), where the text can be cut and closed.
        var stack: [Unicode.Scalar] = []
        var inString = false
        var escaped = false
        var stringIsKey = false
        var expectingKey = false
        var safe: (end: Int, stack: [Unicode.Scalar])?
        var index = first
        while index < scalars.count {
            let scalar = scalars[index]
            if inString {
                if escaped {
                    escaped = false
                } else if scalar == "\\" {
                    escaped = true
                } else if scalar == "\"" {
                    inString = false
                    if !stringIsKey { safe = (index + 1, stack) }
                }
            } else {
                switch scalar {
                case "\"":
                    inString = true
                    stringIsKey = stack.last == "{" && expectingKey
                case "{", "[":
                    stack.append(scalar)
                    expectingKey = scalar == "{"
                    safe = (index + 1, stack)
                case "}", "]":
                    stack.removeLast()
                    safe = (index + 1, stack)
                case ",":
                    expectingKey = stack.last == "{"
                case ":":
                    expectingKey = false
                default:
                    // The end of a number or a literal is known only at the next delimiter:
                    // a complete one is followed by one of , } ] or whitespace.
                    if !scalar.properties.isWhitespace, index + 1 < scalars.count {
                        let next = scalars[index + 1]
                        if next == "," || next == "}" || next == "]" || next.properties.isWhitespace {
                            safe = (index + 1, stack)
                        }
                    }
                }
            }
            index += 1
        }
        var kept: String.UnicodeScalarView
        var open: [Unicode.Scalar]
        if inString, !stringIsKey {
            // Cut inside a value string: keep it, without a dangling escape, and close it.
            kept = String.UnicodeScalarView(scalars[first..<scalars.count])
            if escaped { kept.removeLast() }
            kept.append("\"")
            open = stack
        } else if let safe {
            kept = String.UnicodeScalarView(scalars[first..<safe.end])
            open = safe.stack
        } else {
            return nil
        }
        var result = String(kept)
        // A trailing comma before the closing brackets would not parse.
        while let last = result.last, last == "," || last.isWhitespace { result.removeLast() }
        for bracket in open.reversed() { result += bracket == "{" ? "}" : "]" }
        return result
    }
}
