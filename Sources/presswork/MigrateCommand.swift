import ArgumentParser
import PressworkRuntime
import PressworkStore

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the schema migrations built into this binary.",
        discussion: """
            Applies sql/migrations in order, each in its own transaction, and records each with a \
            checksum. Idempotent and safe to run from several processes at once. Refuses, changing \
            nothing, when an applied migration was edited or the database was migrated by a newer \
            presswork. Then creates or replaces the views of sql/views (metrics, prune and monitor \
            views) whose text changed since they were last applied.
            """
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let (settings, logger) = try global.bootstrap()
        let pool = try await DatabaseTarget(settings: settings, logger: logger)
            .makeSessionPool(maxConnections: 1, logger: logger, purpose: "presswork migrate")
        let report: Migrator.Report
        do {
            report = try await Migrator(logger: logger).migrate(pool)
            await pool.close()
        } catch {
            await pool.close()
            throw error
        }
        for migration in report.applied {
            print("applied \(migration.fileName)")
        }
        for view in report.viewsApplied {
            print("applied \(view.fileName)")
        }
        let total = report.applied.count + report.alreadyApplied
        print(
            report.applied.isEmpty
                ? "database is up to date (\(total) migration\(total == 1 ? "" : "s"))"
                : "applied \(report.applied.count) of \(total) migrations")
    }
}
