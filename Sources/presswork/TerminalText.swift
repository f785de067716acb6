import PressworkCore

/// Text from the database or a remote server, made safe to print: control characters (ESC, BEL,
/// CR…) and bidi controls are shown as escapes, so that nothing can move the cursor, recolour the
/// terminal or reorder what is shown.
enum TerminalText {
    static func safe(_ text: String) -> String {
        text.unicodeScalars.map { scalar in
            UnsafeScalars.isControl(scalar) || UnsafeScalars.isBidiControl(scalar)
                ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
        }.joined()
    }
}
