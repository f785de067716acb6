import Foundation
import Synchronization
import Testing

@testable import PressworkCore
@testable import PressworkPipeline

/// The offline cards, the check every image passes, and round 7's drawing of the planned
/// images: one checkpoint per image, minor failures, required images.
@Suite struct ImageTests {
    // MARK: The offline card

    /// A PNG a decoder accepts: signature, chunks whose CRCs hold, an IHDR of 1200 × 630 indexed
    /// colour at 2 bits per pixel (four colours), a palette, and an IDAT that inflates to one
    /// filter byte plus 300 packed bytes per row, which unfilter and unpack to the card's pixels.
    @Test func theOfflineCardIsAWellFormedPNG() throws {
        let request = Self.request(title: "Home espresso: grinders, scales and patience")
        let png = OfflineImageProvider.card(request)
        #expect(png.prefix(8).elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        var chunks: [(type: String, data: Data)] = []
        var offset = 8
        let bytes = [UInt8](png)
        func uint32(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        while offset < bytes.count {
            let length = uint32(offset)
            let body = Data(bytes[offset + 4..<offset + 8 + length])
            #expect(UInt32(uint32(offset + 8 + length)) == PNGEncoder.crc(body), "the CRC of chunk \(chunks.count)")
            chunks.append((String(decoding: body.prefix(4), as: UTF8.self), body.dropFirst(4)))
            offset += 12 + length
        }
        #expect(chunks.map(\.type) == ["IHDR", "PLTE", "IDAT", "IEND"])
        let header = [UInt8](chunks[0].data)
        let (width, height) = (OfflineImageProvider.width, OfflineImageProvider.height)
        #expect(header[0..<4].reduce(0) { $0 << 8 | Int($1) } == width)
        #expect(header[4..<8].reduce(0) { $0 << 8 | Int($1) } == height)
        #expect(header[8] == 2 && header[9] == 3)
        #expect(chunks[1].data.count == 4 * 3)
        let rowBytes = width / 4
        let rows = try #require(PNGEncoder.inflate(chunks[2].data, expectedSize: (rowBytes + 1) * height))
        // Every row starts with its filter type, Up; undone, the rows unpack to what was drawn.
        #expect(stride(from: 0, to: rows.count, by: rowBytes + 1).allSatisfy { rows[$0] == 2 })
        var above = [UInt8](repeating: 0, count: rowBytes)
        var decoded: [UInt8] = []
        for row in 0..<height {
            let line = (0..<rowBytes).map { rows[row * (rowBytes + 1) + 1 + $0] &+ above[$0] }
            decoded += line.flatMap { byte in [6, 4, 2, 0].map { (byte >> $0) & 0b11 } }
            above = line
        }
        #expect(decoded == OfflineImageProvider.canvas(request).pixels)
        #expect(Set(decoded) == [0, 1, 2, 3], "background, band, text and faint text are all drawn")
        #expect(png.count < 64 * 1024, "a flat card compresses well: \(png.count) bytes")
    }

    /// Fewer colours, fewer bits; a row that does not fill its last byte is padded with zeros.
    @Test func bitDepthFollowsThePalette() {
        #expect([1, 2, 3, 4, 5, 16, 17, 256].map(PNGEncoder.bitDepth(colours:)) == [1, 1, 2, 2, 4, 4, 8, 8])
        // Rows of 5 pixels in 2 colours: one byte each, 10110 then three bits of padding; the
        // second row equals the first, so filtered Up it is a zero.
        let rows = PNGEncoder.packedRows(width: 5, height: 2, colours: 2, pixels: [1, 0, 1, 1, 0, 1, 0, 1, 1, 0])
        #expect(rows == [2, 0b1011_0000, 2, 0])
        let three = PNGEncoder.packedRows(width: 3, height: 1, colours: 4, pixels: [3, 2, 1])
        #expect(three == [2, 0b1110_0100])
    }

    /// Four colours are packed four pixels at a time (one multiplication per word): for every
    /// width, tail or none, the rows equal those of a pixel-at-a-time reference, filtered Up.
    @Test func fourColoursPackedByWordsEqualPixelByPixel() {
        for width in 1...13 {
            let height = 3
            // Indices in no pattern a packer could depend on (Knuth's multiplicative hash).
            let pixels = (0..<width * height).map { UInt8(truncatingIfNeeded: (UInt32($0) &* 2_654_435_761) >> 13) & 3 }
            let rowBytes = (width + 3) / 4
            var packed: [[UInt8]] = []
            for row in 0..<height {
                var line = [UInt8](repeating: 0, count: rowBytes)
                for column in 0..<width {
                    line[column / 4] |= pixels[row * width + column] << (6 - 2 * (column % 4))
                }
                packed.append(line)
            }
            var expected: [UInt8] = []
            for row in 0..<height {
                expected.append(2)
                expected += (0..<rowBytes).map { packed[row][$0] &- (row == 0 ? 0 : packed[row - 1][$0]) }
            }
            #expect(PNGEncoder.packedRows(width: width, height: height, colours: 4, pixels: pixels) == expected, "width \(width)")
        }
    }

    @Test func theSameRequestDrawsTheSameBytesAndAnotherDrawsOthers() async throws {
        let provider = OfflineImageProvider()
        let hero = try await provider.generate(Self.request(title: "Winter cycling")).value
        let again = try await provider.generate(Self.request(title: "Winter cycling")).value
        let other = try await provider.generate(Self.request(title: "Summer kayaking")).value
        let section = try await provider.generate(
            Self.request(title: "Winter cycling", placement: "section-1", heading: "Lights and layers")
        ).value
        #expect(hero == again)
        #expect(hero.sha256 == again.sha256)
        #expect(hero.sha256 != other.sha256)
        #expect(hero.sha256 != section.sha256)
        #expect(hero.mediaType == "image/png")
        #expect(hero.sha256.count == 64)
    }

    @Test func longTitlesAreWrappedAndCutToFourLines() {
        let lines = OfflineImageProvider.wrap(String(repeating: "espresso ", count: 40), scale: 9, lines: 4)
        #expect(lines.count == 4)
        #expect(lines[3].hasSuffix("..."))
        let perLine = (OfflineImageProvider.width - 192) / (6 * 9)
        #expect(lines.allSatisfy { $0.count <= perLine })
    }

    // MARK: What counts as an image

    @Test func bytesThatAreNotTheImageTheyClaimAreRefusedNamingWhy() throws {
        let png = OfflineImageProvider.card(Self.request(title: "t"))
        func refusal(_ bytes: Data, _ type: String) -> String {
            do {
                _ = try ImageData.checked(bytes, declared: type)
                return "accepted"
            } catch {
                return error.description
            }
        }
        #expect(refusal(Data(), "image/png") == "the image is empty")
        #expect(refusal(Data(repeating: 0x89, count: ImageData.maximumBytes + 1), "image/png").contains("at most 8388608"))
        #expect(refusal(Data("<svg onload=alert(1)>".utf8), "image/svg+xml").contains("image/svg+xml is not an accepted image type"))
        #expect(refusal(Data("GIF89a......".utf8), "image/png").contains("the bytes are not an image (they start 47 49 46"))
        #expect(refusal(png, "image/jpeg") == "the image is declared image/jpeg but its bytes are image/png")
        #expect(refusal(Data("<html>error</html>".utf8), "text/html").contains("text/html is not an accepted"))
        #expect(refusal(png, "image/PNG; charset=binary") == "accepted")
        let jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46])
        #expect(try ImageData.checked(jpeg, declared: "image/jpg").mediaType == "image/jpeg")
        #expect(try ImageData.checked(jpeg, declared: "image/jpeg").fileExtension == "jpg")
        #expect(try ImageData.checked(png, declared: "image/png").fileExtension == "png")
    }

    // MARK: Drawing the planned images

    @Test func eachPlannedImageIsDrawnOnceAndARetryDrawsOnlyWhatIsMissing() async throws {
        let article = try await Self.article()
        let planned = article.metadata.imagePrompts.map(\.placement)
        #expect(planned.contains("hero") && planned.count >= 2, "\(planned)")
        let provider = CountingProvider(failing: [planned[1]])
        let pipeline = Self.pipeline(provider)
        let archive = MemoryImageArchive()

        let first = try await pipeline.illustrate(article, archive: archive)
        #expect(first.images.map(\.placement) == planned.filter { $0 != planned[1] })
        #expect(first.missing.count == 1)
        #expect(first.missing[0].contains("image \(planned[1])") && first.missing[0].contains("goes without it"))
        #expect(provider.drawn == planned)

        provider.heal()
        let second = try await pipeline.illustrate(article, archive: archive)
        #expect(second.images.map(\.placement) == planned)
        #expect(second.missing.isEmpty)
        #expect(provider.drawn == planned + [planned[1]], "only the missing image is drawn again")

        // A reviewer rewrote the hero's prompt: the hero is drawn anew, the rest kept.
        var edited = article
        edited.metadata.imagePrompts[0].prompt += " At dawn."
        _ = try await pipeline.illustrate(edited, archive: archive)
        #expect(provider.drawn == planned + [planned[1], edited.metadata.imagePrompts[0].placement])
    }

    @Test func aRequiredImageThatFailsFailsTheRound() async throws {
        let article = try await Self.article()
        var providers = Providers.offline(outputFolder: NSTemporaryDirectory())
        providers.images = CountingProvider(failing: ["hero"])
        providers.imagesRequired = true
        await #expect(throws: ImageRefused.self) {
            try await Pipeline(providers: providers).illustrate(article, archive: MemoryImageArchive())
        }
    }

    /// Keeping an image is not the provider's part: a lost lease there ends the attempt, it is
    /// never taken for a minor failure of the image.
    @Test func anArchiveThatCannotKeepTheImageEndsTheRound() async throws {
        struct LostLease: Error {}
        struct RefusingArchive: ImageArchive {
            func images() async throws -> [ArticleImage] { [] }
            func save(_ images: [ArticleImage]) async throws { throw LostLease() }
        }
        let article = try await Self.article()
        await #expect(throws: LostLease.self) {
            try await Self.pipeline(CountingProvider()).illustrate(article, archive: RefusingArchive())
        }
    }

    /// A paid image is kept as soon as it is drawn; free, quick ones (the offline cards) together,
    /// in one save at the end.
    @Test func paidImagesAreKeptAtOnceAndFreeCardsTogether() async throws {
        actor Saves: ImageArchive {
            var batches: [[String]] = []
            func images() async throws -> [ArticleImage] { [] }
            func save(_ images: [ArticleImage]) async throws { batches.append(images.map(\.placement)) }
        }
        let article = try await Self.article()
        let planned = article.metadata.imagePrompts.map(\.placement)
        #expect(planned.count >= 2)

        let paid = Saves()
        _ = try await Self.pipeline(CountingProvider()).illustrate(article, archive: paid)
        #expect(await paid.batches == planned.map { [$0] })

        let free = Saves()
        let drawn = try await Pipeline(providers: .offline(outputFolder: NSTemporaryDirectory())).illustrate(article, archive: free)
        #expect(drawn.images.allSatisfy { $0.costUSD == 0 } && drawn.images.count == planned.count)
        #expect(await free.batches == [planned])
    }

    @Test func noImageIsBoughtOnceTheBudgetIsSpent() async throws {
        let article = try await Self.article()
        let provider = CountingProvider()
        let drawn = try await Self.pipeline(provider).illustrate(article, archive: MemoryImageArchive(), budgetLeftUSD: 0.05)
        // 0.04 each: the first leaves 0.01, the second overshoots, the rest are not bought.
        #expect(provider.drawn.count == 2)
        #expect(drawn.images.count == 2)
        #expect(drawn.missing.count == article.metadata.imagePrompts.count - 2)
        #expect(drawn.missing.allSatisfy { $0.contains("the run's budget is spent; the post goes without it") })
    }

    @Test func aPromptForASectionTheArticleDoesNotHaveIsLeftOut() async throws {
        var article = try await Self.article()
        article.metadata.imagePrompts.append(ImagePrompt(prompt: "p", placement: "section-99", altText: "a"))
        let drawn = try await Self.pipeline(CountingProvider()).illustrate(article, archive: MemoryImageArchive())
        #expect(!drawn.images.contains { $0.placement == "section-99" })
        #expect(drawn.missing == ["image section-99: the article has no such section; it is left out"])
    }

    /// The dry run writes each image beside the HTML and refers to it by file name; alt texts
    /// are escaped where the HTML carries them.
    @Test func theDryRunWritesTheImagesBesideTheHTML() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("presswork-images-\(RunID.make())").path
        var article = try await Self.article()
        article.metadata.imagePrompts[0].altText = #"A cup"><script>alert(1)</script>"#
        let runID = RunID.make().description
        let pipeline = Pipeline(providers: .offline(outputFolder: folder))
        let published = try await pipeline.publish(article, runID: runID, params: try RunParams.validated(seeds: ["espresso"]))
        let images = try #require(published.value.images)
        #expect(images.map(\.placement) == article.metadata.imagePrompts.map(\.placement))
        let html = try #require(published.value.html)
        for image in images {
            let file = try #require(image.file)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            #expect(try ImageData.checked(bytes, declared: image.mediaType).sha256 == image.sha256)
            #expect(bytes.count == image.bytes)
            #expect(html.contains("<img src=\"\(runID).\(image.placement).png\""))
            #expect(image.provider == "offline" && image.costUSD == 0)
        }
        #expect(!html.contains("<script>alert(1)"))
        #expect(html.contains("alt=\"A cup&quot;&gt;&lt;script&gt;"))
        #expect(!html.contains("image-placeholder"))
    }

    // MARK: Helpers

    static func request(title: String, placement: String = "hero", heading: String? = nil) -> ImageRequest {
        ImageRequest(prompt: "a photo", altText: "alt", placement: placement, title: title, heading: heading)
    }

    static func pipeline(_ images: any ImageProvider) -> Pipeline {
        var providers = Providers.offline(outputFolder: NSTemporaryDirectory())
        providers.images = images
        return Pipeline(providers: providers)
    }

    static func article() async throws -> Article {
        try await Pipeline(providers: .offline(outputFolder: NSTemporaryDirectory())).article(
            try RunParams.validated(seeds: ["home espresso"]))
    }
}

/// The offline cards, counting what it was asked to draw, and refusing the placements it is told
/// to fail (as a server answering something that is not an image).
final class CountingProvider: ImageProvider {
    let name = "counting"
    private let state: Mutex<(drawn: [String], failing: Set<String>)>

    init(failing: Set<String> = []) {
        state = Mutex(([], failing))
    }

    var drawn: [String] { state.withLock { $0.drawn } }
    func heal() { state.withLock { $0.failing = [] } }

    func generate(_ request: ImageRequest) async throws -> Generated<ImageData> {
        let fails = state.withLock { state in
            state.drawn.append(request.placement)
            return state.failing.contains(request.placement)
        }
        if fails { _ = try ImageData.checked(Data("<html>".utf8), declared: "image/png") }
        return Generated(
            try ImageData.checked(OfflineImageProvider.card(request), declared: "image/png"), usage: TokenUsage(costUSD: 0.04, calls: 1))
    }
}
