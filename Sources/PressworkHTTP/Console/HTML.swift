import PressworkPipeline

/// A piece of HTML whose text was escaped when it was made: the console's templates.
///
/// The console's pages are Swift string interpolations of this type, compiled into the binary.
/// Escaping is the type's, not the author's, to remember: an interpolated `String` (or anything
/// printed) is escaped for text and attribute values alike (`& < > " '`), and only an
/// interpolated `HTML` goes in as it is. Model and user text therefore cannot become markup,
/// whatever page shows it; the one way to insert raw markup is `HTML(unsafeRaw:)`, used for the
/// sanitized article preview alone. (A Mustache template's triple braces, by contrast, insert
/// raw text wherever someone types them.)
struct HTML: Sendable, Equatable, ExpressibleByStringInterpolation, CustomStringConvertible {
    private(set) var text: String

    init(unsafeRaw text: String) {
        self.text = text
    }

    init(stringLiteral value: String) {
        text = value
    }

    init(stringInterpolation: Interpolation) {
        text = stringInterpolation.text
    }

    static let empty = HTML(unsafeRaw: "")

    var description: String { text }

    /// `parts` one after another.
    static func join(_ parts: some Sequence<HTML>, separator: HTML = .empty) -> HTML {
        HTML(unsafeRaw: parts.map(\.text).joined(separator: separator.text))
    }

    struct Interpolation: StringInterpolationProtocol {
        var text = ""

        init(literalCapacity: Int, interpolationCount: Int) {
            text.reserveCapacity(literalCapacity + interpolationCount * 16)
        }

        mutating func appendLiteral(_ literal: String) {
            text += literal
        }

        mutating func appendInterpolation(_ html: HTML) {
            text += html.text
        }

        mutating func appendInterpolation(_ parts: [HTML]) {
            for part in parts { text += part.text }
        }

        mutating func appendInterpolation(_ value: String) {
            text += ArticleHTML.escape(value)
        }

        mutating func appendInterpolation(_ value: String?) {
            text += ArticleHTML.escape(value ?? "")
        }

        mutating func appendInterpolation<T: CustomStringConvertible>(_ value: T) {
            text += ArticleHTML.escape(value.description)
        }
    }
}
