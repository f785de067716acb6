import ArgumentParser
import EmbeddedPostgres

struct DatabaseURLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "url",
        abstract: "Print the embedded cluster's connection URL (for psql \"$(presswork db url)\")."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let (settings, logger) = try global.bootstrap()
        print(EmbeddedCluster(home: settings.home, logger: logger).connectionURL)
    }
}
