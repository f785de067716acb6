import ArgumentParser
import EmbeddedPostgres

struct DatabaseStopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop the embedded cluster (fast shutdown: open transactions are rolled back)."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let (settings, logger) = try global.bootstrap()
        let cluster = EmbeddedCluster(home: settings.home, logger: logger)
        print(try await cluster.stop() ? "embedded postgres stopped" : "embedded postgres was not running")
    }
}
