import PressworkCore

extension Providers {
    /// The default providers: seeds as trends, the offline writer and embedding, and the
    /// dry-run publisher writing into `outputFolder`. No network, no key.
    public static func offline(outputFolder: String) -> Providers {
        Providers(
            trends: SeedTrendSource(),
            writer: OfflineWriter(),
            embeddings: ContentWordEmbedding(),
            dryRun: DryRunPublisher(outputFolder: outputFolder, writerDescription: "offline writer, no LLM")
        )
    }
}
