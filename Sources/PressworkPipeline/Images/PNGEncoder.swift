import CZlib
import Foundation

/// Writes an indexed-colour PNG (one byte per pixel into a palette of at most 256 colours):
/// signature, IHDR, PLTE, one IDAT of the zlib-deflated rows (each with filter "up", which
/// turns the offline cards' flat areas into runs of zeros), IEND.
enum PNGEncoder {
    struct Colour: Equatable {
        var red: UInt8
        var green: UInt8
        var blue: UInt8

        /// `0xRRGGBB`.
        init(rgb: Int) {
            red = UInt8((rgb >> 16) & 0xFF)
            green = UInt8((rgb >> 8) & 0xFF)
            blue = UInt8(rgb & 0xFF)
        }
    }

    /// `pixels` holds `width × height` palette indices, row by row.
    static func encode(width: Int, height: Int, palette: [Colour], pixels: [UInt8]) -> Data {
        precondition(pixels.count == width * height, "a PNG needs width × height pixels")
        precondition((1...256).contains(palette.count), "an indexed PNG has 1 to 256 colours")
        var filtered = [UInt8](repeating: 0, count: (width + 1) * height)
        pixels.withUnsafeBufferPointer { source in
            filtered.withUnsafeMutableBufferPointer { target in
                for row in 0..<height {
                    let out = row * (width + 1)
                    target[out] = 2  // filter type Up: each byte minus the one above it
                    let start = row * width
                    for column in 0..<width {
                        let above = row == 0 ? 0 : source[start - width + column]
                        target[out + 1 + column] = source[start + column] &- above
                    }
                }
            }
        }
        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var header = Data()
        header.appendBigEndian(UInt32(width))
        header.appendBigEndian(UInt32(height))
        header.append(contentsOf: [8, 3, 0, 0, 0])  // 8 bits, indexed colour, deflate, adaptive filters, no interlace
        png.appendChunk("IHDR", header)
        png.appendChunk("PLTE", Data(palette.flatMap { [$0.red, $0.green, $0.blue] }))
        png.appendChunk("IDAT", deflate(filtered))
        png.appendChunk("IEND", Data())
        return png
    }

    /// zlib's compress2 at level 6 (a zlib stream, as PNG's IDAT wants).
    static func deflate(_ bytes: [UInt8]) -> Data {
        var size = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        let status = out.withUnsafeMutableBufferPointer { target in
            bytes.withUnsafeBufferPointer { source in
                compress2(target.baseAddress, &size, source.baseAddress, uLong(bytes.count), 6)
            }
        }
        precondition(status == Z_OK, "compress2 failed (\(status)) with a buffer of compressBound's size")
        return Data(out.prefix(Int(size)))
    }

    /// The bytes `deflate` compressed, for tests that read a PNG back.
    static func inflate(_ stream: Data, expectedSize: Int) -> [UInt8]? {
        var size = uLong(expectedSize)
        var out = [UInt8](repeating: 0, count: expectedSize)
        let input = [UInt8](stream)
        let status = out.withUnsafeMutableBufferPointer { target in
            input.withUnsafeBufferPointer { source in
                uncompress(target.baseAddress, &size, source.baseAddress, uLong(input.count))
            }
        }
        return status == Z_OK && Int(size) == expectedSize ? out : nil
    }

    /// The CRC-32 PNG chunks end with.
    static func crc(_ bytes: Data) -> UInt32 {
        UInt32(
            bytes.withUnsafeBytes { raw in
                crc32(0, raw.bindMemory(to: UInt8.self).baseAddress, uInt(bytes.count))
            })
    }
}

extension Data {
    fileprivate mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)])
    }

    /// A chunk: length, type, data, and the CRC-32 of type and data.
    fileprivate mutating func appendChunk(_ type: String, _ data: Data) {
        appendBigEndian(UInt32(data.count))
        var body = Data(type.utf8)
        body.append(data)
        append(body)
        appendBigEndian(PNGEncoder.crc(body))
    }
}
