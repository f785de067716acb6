import ArgumentParser
import PressworkCore
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
            Refusals exit with their kind: 65 refused input (the message names the field), \
            66 nothing of that name, 67 a conflict (the name is taken, or the state does not allow \
            it); 64 bad usage, 1 any other failure. Commands that end a run add its status's codes.
            """,
        version: PressworkVersion.current,
        subcommands: [
            RunCommand.self, RunsCommand.self, ReviewCommand.self, SchedulesCommand.self, ProfilesCommand.self, SitesCommand.self,
            ServeCommand.self, WorkerCommand.self,
            WebhooksCommand.self, TokensCommand.self, ConsoleURLCommand.self, PruneCommand.self, MonitorCommand.self, MigrateCommand.self,
            DatabaseCommand.self,
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
        } catch let refusal as any Refusal {
            // A refusal of the domain exits with its code's status, so scripts can tell bad input
            // from a missing name from a conflict; its text may quote what was typed.
            StandardError.write("Error: \(TerminalText.safe(SecretRedactor.redact(refusal.description)))\n")
            exit(withError: ExitCode(refusal.code.exitCode))
        } catch {
            exit(withError: error)
        }
    }
}

extension RefusalCode {
    /// The exit status of a command that a refusal ended (`presswork --help`, the README).
    var exitCode: Int32 {
        switch self {
        case .invalid: 65
        case .notFound: 66
        case .conflict: 67
        }
    }
}
