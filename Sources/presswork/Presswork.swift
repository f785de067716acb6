import ArgumentParser
import PressworkRuntime

@main
struct Presswork: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "presswork",
        abstract: "A Postgres-backed batch scheduler for an eight-round content pipeline.",
        discussion: """
            With no --database-url (or DATABASE_URL), Presswork uses a private PostgreSQL cluster \
            in its home folder, started on demand and reachable only through a unix socket there.
            Options shared by every command (--database-url, --home, --config, --log-format, \
            --log-level) go after the command name: presswork migrate --home /srv/presswork
            """,
        version: PressworkVersion.current,
        subcommands: [
            RunCommand.self, RunsCommand.self, ReviewCommand.self, SchedulesCommand.self, ProfilesCommand.self, SitesCommand.self,
            ServeCommand.self, WorkerCommand.self,
            WebhooksCommand.self, TokensCommand.self, ConsoleURLCommand.self, PruneCommand.self, MonitorCommand.self, MigrateCommand.self, DatabaseCommand.self,
        ]
    )

    /// ArgumentParser's entry point, after one process-wide setting: a write to a closed pipe
    /// (stderr through `| tee`, ended by the same Ctrl-C) fails instead of killing the process
    /// with SIGPIPE, and `StandardError` drops the failure.
    static func main() async {
        StandardError.ignoreBrokenPipes()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
