import ArgumentParser

struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Manage the embedded PostgreSQL cluster.",
        discussion: """
            The embedded cluster lives in <home>/postgres/data and listens only on a unix socket in \
            <home>/run. Commands that need the database start it on demand; it is left running.
            """,
        subcommands: [
            DatabaseStartCommand.self, DatabaseStopCommand.self, DatabaseStatusCommand.self,
            DatabaseURLCommand.self,
        ]
    )
}
