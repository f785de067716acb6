import ArgumentParser
import EmbeddedPostgres

struct DatabaseStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Initialize the embedded cluster on first use and start it unless it is running."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let (settings, logger) = try global.bootstrap()
        let cluster = EmbeddedCluster(home: settings.home, logger: logger)
        switch try await cluster.start() {
        case .alreadyRunning: print("embedded postgres already running in \(cluster.dataDirectory)")
        case .started: print("embedded postgres started in \(cluster.dataDirectory)")
        case .initializedAndStarted: print("embedded postgres initialized and started in \(cluster.dataDirectory)")
        }
        print(cluster.connectionURL)
    }
}
