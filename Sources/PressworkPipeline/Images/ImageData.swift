import Crypto
import Foundation
import PressworkCore

/// An image as bytes, with the media type it is stored and uploaded as. Made only through
/// `checked`, so that every image in Presswork is one whose bytes are what it claims.
public struct ImageData: Sendable, Equatable {
    public let bytes: Data
    public let mediaType: String

    /// The largest image Presswork stores or uploads (WordPress's default upload limit is of this
    /// order, and a post's images are read into memory whole).
    public static let maximumBytes = 8 << 20

    /// The media types accepted, by the magic bytes each starts with.
    static let signatures: [(mediaType: String, magic: [UInt8])] = [
        ("image/png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
        ("image/jpeg", [0xFF, 0xD8, 0xFF]),
        ("image/webp", Array("RIFF".utf8)),
    ]

    /// The file name ending WordPress expects for the type.
    public var fileExtension: String {
        switch mediaType {
        case "image/jpeg": "jpg"
        case "image/webp": "webp"
        default: "png"
        }
    }

    /// `bytes` as an image of `declared` type, or the reason it is not one: an empty or oversized
    /// file, a type Presswork does not take (SVG can carry script), or bytes that are another
    /// type than declared.
    public static func checked(_ bytes: Data, declared: String) throws(ImageRefused) -> ImageData {
        var declared = declared.lowercased().split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        // A spelling some servers send for JPEG.
        if declared == "image/jpg" { declared = "image/jpeg" }
        guard !bytes.isEmpty else { throw ImageRefused("the image is empty") }
        guard bytes.count <= maximumBytes else {
            throw ImageRefused("the image is \(bytes.count) bytes; at most \(maximumBytes) are accepted")
        }
        guard let expected = signatures.first(where: { $0.mediaType == declared }) else {
            throw ImageRefused("\(declared.isEmpty ? "no type" : declared) is not an accepted image type (PNG, JPEG or WebP)")
        }
        let found = signatures.first { signature in
            bytes.count >= signature.magic.count && bytes.prefix(signature.magic.count).elementsEqual(signature.magic)
                && (signature.mediaType != "image/webp"
                    || (bytes.count >= 12 && bytes[bytes.startIndex + 8..<bytes.startIndex + 12].elementsEqual("WEBP".utf8)))
        }
        guard let found else { throw ImageRefused("the bytes are not an image (they start \(hex(bytes.prefix(8))))") }
        guard found.mediaType == expected.mediaType else {
            throw ImageRefused("the image is declared \(declared) but its bytes are \(found.mediaType)")
        }
        return ImageData(bytes: bytes, mediaType: declared)
    }

    private init(bytes: Data, mediaType: String) {
        self.bytes = bytes
        self.mediaType = mediaType
    }

    /// The SHA-256 of the bytes, in hex: what the images table and file names record.
    public var sha256: String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

    private static func hex(_ bytes: Data) -> String {
        bytes.map { String(format: "%02x", $0) }.joined(separator: " ")
    }
}

/// An image that was refused, with the reason.
public struct ImageRefused: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
