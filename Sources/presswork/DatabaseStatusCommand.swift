import ArgumentParser
import EmbeddedPostgres

struct DatabaseStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show whether the embedded cluster is running.",
        discussion: "Exits 0 when it is running, 3 when it is stopped or not initialized (as pg_ctl status does)."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let (settings, logger) = try global.bootstrap()
        let cluster = EmbeddedCluster(home: settings.home, logger: logger)
        let status = try await cluster.status()
        print("status: \(status)")
        print("data:   \(cluster.dataDirectory)")
        print("url:    \(cluster.connectionURL)")
        if case .running = status { return }
        throw ExitCode(3)
    }
}
