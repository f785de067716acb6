/// The characters that never belong in text a reader, a terminal or Postgres sees: one
/// definition for the checks on what people type (`RunParams`) and the cleaning of what models
/// write (`ReplyNormalizer`).
public enum UnsafeScalars {
    /// C0 and C1 controls and DEL: NUL (an error in Postgres text), ESC (terminal escapes),
    /// BEL, CR. Newline and tab are among them; callers that keep line breaks say so.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        (0x00...0x1F).contains(scalar.value) || (0x7F...0x9F).contains(scalar.value)
    }

    /// Bidi embeddings, overrides and isolates: they make text read otherwise than it is.
    public static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }

    /// Zero-width characters and marks, and the byte-order mark, but the zero-width joiner that
    /// emoji and some scripts need.
    public static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        [0x200B, 0x200C, 0x200E, 0x200F, 0x2060, 0xFEFF].contains(scalar.value)
    }
}
