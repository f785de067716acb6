import Foundation
import PressworkCore

/// The offline default: draws each planned image itself, as a typographic card (1200 × 630, the
/// size link previews use) with the article's title, the section's heading for a section image,
/// and "OFFLINE IMAGE" so nobody takes it for an illustration. The palette is picked from the
/// title, so one article's cards match; the same request always gives the same bytes. No network,
/// no key, no cost.
public struct OfflineImageProvider: ImageProvider {
    /// The name every offline image records as its provider.
    public static let providerName = "offline"
    public var name: String { Self.providerName }
    /// Free, and half a millisecond a card: a run's cards are kept in one statement.
    public var cheapToRedraw: Bool { true }
    public static let width = 1200
    public static let height = 630

    public init() {}

    /// Background, band, text, faint text: dark backgrounds with light type.
    static let palettes: [[PNGEncoder.Colour]] = [
        [0x1F2A44, 0xE07A5F, 0xF4F1DE, 0x81B29A], [0x264653, 0xE9C46A, 0xFFFFFF, 0x2A9D8F],
        [0x3D1F4F, 0xF77F00, 0xFCF6E8, 0xC08CD8], [0x1B3B2F, 0xD4A373, 0xF1FAEE, 0x8FC09A],
        [0x2B2D42, 0xEF233C, 0xEDF2F4, 0x8D99AE],
    ].map { $0.map(PNGEncoder.Colour.init(rgb:)) }

    public func generate(_ request: ImageRequest) async throws -> Generated<ImageData> {
        let png = Self.card(request)
        return Generated(try ImageData.checked(png, declared: "image/png"))
    }

    /// The card's PNG bytes.
    static func card(_ request: ImageRequest) -> Data {
        PNGEncoder.encode(width: width, height: height, palette: StableHash.pick(palettes, request.title), pixels: canvas(request).pixels)
    }

    /// The card drawn: palette indices (0 background, 1 band, 2 text, 3 faint text).
    static func canvas(_ request: ImageRequest) -> Canvas {
        var canvas = Canvas(width: width, height: height)
        canvas.fill(x: 0, y: 0, width: 36, height: height, colour: 1)
        canvas.fill(x: 96, y: height - 120, width: width - 192, height: 4, colour: 3)
        var y = 96
        if let heading = request.heading, !heading.isEmpty {
            for line in wrap(request.title, scale: 4, lines: 2) {
                canvas.text(line, x: 96, y: y, scale: 4, colour: 3)
                y += 8 * 4 + 8
            }
            y += 32
            for line in wrap(heading, scale: 8, lines: 4) {
                canvas.text(line, x: 96, y: y, scale: 8, colour: 2)
                y += 8 * 8 + 16
            }
        } else {
            for line in wrap(request.title, scale: 9, lines: 4) {
                canvas.text(line, x: 96, y: y, scale: 9, colour: 2)
                y += 8 * 9 + 16
            }
        }
        canvas.text("OFFLINE IMAGE - PRESSWORK", x: 96, y: height - 88, scale: 4, colour: 3)
        return canvas
    }

    /// `text` in lines that fit the card at `scale`, at most `lines` (the last one ending in "...").
    static func wrap(_ text: String, scale: Int, lines limit: Int) -> [String] {
        let perLine = (width - 192) / ((BitmapFont.width + 1) * scale)
        var lines: [String] = []
        var current = ""
        for word in text.split(whereSeparator: \.isWhitespace).map(String.init) {
            let word = word.count > perLine ? String(word.prefix(perLine - 1)) + "-" : word
            if current.isEmpty {
                current = word
            } else if current.count + 1 + word.count <= perLine {
                current += " " + word
            } else {
                lines.append(current)
                current = word
            }
        }
        if !current.isEmpty { lines.append(current) }
        guard lines.count > limit else { return lines }
        var kept = Array(lines.prefix(limit))
        kept[limit - 1] = String(kept[limit - 1].prefix(perLine - 3)) + "..."
        return kept
    }
}

/// Palette indices, row by row, with rectangles and bitmap text drawn into them.
struct Canvas {
    let width: Int
    let height: Int
    var pixels: [UInt8]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height)
    }

    mutating func fill(x: Int, y: Int, width w: Int, height h: Int, colour: UInt8) {
        let left = max(0, x)
        let right = min(width, x + w)
        guard left < right else { return }
        for row in max(0, y)..<min(height, y + h) {
            let start = row * width
            pixels.withUnsafeMutableBufferPointer { buffer in
                for column in left..<right { buffer[start + column] = colour }
            }
        }
    }

    mutating func text(_ text: String, x: Int, y: Int, scale: Int, colour: UInt8) {
        var left = x
        for character in text {
            for (row, bits) in BitmapFont.rows(character).enumerated() {
                for column in 0..<BitmapFont.width where bits & (1 << (BitmapFont.width - 1 - column)) != 0 {
                    fill(x: left + column * scale, y: y + row * scale, width: scale, height: scale, colour: colour)
                }
            }
            left += (BitmapFont.width + 1) * scale
        }
    }
}
