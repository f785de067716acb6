import PostgresClient
import PostgresTestSupport
import Testing

@testable import PressworkStore

@Suite struct MigratorTests {
    private let builtIn = (try? Migration.load()) ?? []
    private var extra: [Migration] {
        builtIn + [
            Migration(
                version: 900, name: "widgets",
                sql: """
                    CREATE TABLE widgets (id bigserial PRIMARY KEY, name text NOT NULL);
                    INSERT INTO widgets (name) VALUES ('first');
                    """)
        ]
    }

    @Test func appliesEachMigrationOnceAndRecordsIt() async throws {
        let pool = try await TestDatabase.makePool("migrate")
        let first = try await Migrator(migrations: extra).migrate(pool)
        #expect(first.applied.map(\.version) == extra.map(\.version))
        let second = try await Migrator(migrations: extra).migrate(pool)
        #expect(second.applied.isEmpty)
        #expect(second.alreadyApplied == extra.count)
        let records = try await pool.query("SELECT version, checksum FROM presswork_schema_migrations ORDER BY version")
        #expect(try records.map { try $0.decode(Int.self, "version") } == extra.map(\.version))
        #expect(try records.map { try $0.decode(String.self, "checksum") } == extra.map(\.checksum))
        #expect(try await pool.query("SELECT count(*) FROM widgets").scalar(Int.self) == 1)
        await pool.close()
    }

    @Test func concurrentMigrationsApplyEverythingExactlyOnce() async throws {
        let configuration = try await TestDatabase.makeDatabase("migrateconcurrent")
        let migrations = extra
        let reports = try await withThrowingTaskGroup(of: Migrator.Report.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    let pool = PostgresConnectionPool(configuration: configuration, maxConnections: 1)
                    let report = try await Migrator(migrations: migrations).migrate(pool)
                    await pool.close()
                    return report
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(reports.map(\.applied.count).reduce(0, +) == migrations.count)
        #expect(reports.filter { !$0.applied.isEmpty }.count == 1)
        let pool = PostgresConnectionPool(configuration: configuration, maxConnections: 1)
        #expect(try await pool.query("SELECT count(*) FROM widgets").scalar(Int.self) == 1)
        await pool.close()
    }

    @Test func anEditedMigrationIsRefusedAndNothingIsApplied() async throws {
        let pool = try await TestDatabase.makePool("migrateedited")
        _ = try await Migrator(migrations: extra).migrate(pool)
        var edited = extra
        edited[edited.count - 1] = Migration(version: 900, name: "widgets", sql: "CREATE TABLE widgets (id int);")
        edited.append(Migration(version: 901, name: "later", sql: "CREATE TABLE later (id int);"))
        await #expect {
            try await Migrator(migrations: edited).migrate(pool)
        } throws: { error in
            "\(error)".contains("migration 0900_widgets.sql was edited after it was applied")
        }
        #expect(try await pool.query("SELECT to_regclass('later') IS NULL").scalar(Bool.self))
        await pool.close()
    }

    @Test func aDatabaseMigratedByANewerBinaryIsRefused() async throws {
        let pool = try await TestDatabase.makePool("migratenewer")
        _ = try await Migrator(migrations: extra).migrate(pool)
        await #expect {
            try await Migrator(migrations: builtIn).migrate(pool)
        } throws: { error in
            "\(error)".contains("0900_widgets") && "\(error)".contains("newer version")
        }
        await pool.close()
    }

    @Test func aFailingMigrationLeavesNoTraceAndNamesTheFile() async throws {
        let pool = try await TestDatabase.makePool("migratefail")
        let broken =
            builtIn + [
                Migration(
                    version: 950, name: "broken",
                    sql: """
                        CREATE TABLE half (id int);
                        INSERT INTO half VALUES ('not a number');
                        """)
            ]
        await #expect {
            try await Migrator(migrations: broken).migrate(pool)
        } throws: { error in
            "\(error)".hasPrefix("applying migration 0950_broken.sql: invalid input syntax for type integer")
        }
        #expect(try await pool.query("SELECT to_regclass('half') IS NULL").scalar(Bool.self))
        #expect(try await pool.query("SELECT count(*) FROM presswork_schema_migrations WHERE version = 950").scalar(Int.self) == 0)
        // The lock was released: a fixed set of migrations applies at once.
        #expect(try await Migrator(migrations: builtIn).migrate(pool).applied.isEmpty)
        await pool.close()
    }
}
