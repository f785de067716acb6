import Testing

@testable import PressworkStore

@Suite struct MigrationFileTests {
    @Test func theBuiltInMigrationsLoadInOrderAndStartWithTheRecordTable() throws {
        let migrations = try Migration.load()
        #expect(migrations.first?.fileName == "0001_schema_migrations.sql")
        #expect(migrations.map(\.version) == Array(1...migrations.count))
        #expect(migrations.first?.sql.contains("CREATE TABLE IF NOT EXISTS presswork_schema_migrations") == true)
    }

    @Test func namesAreCheckedBeforeAnythingRuns() {
        #expect {
            try Migration.load(from: ["migrations/2_runs.sql": "SELECT 1"])
        } throws: { error in
            "\(error)".contains("2_runs.sql is misnamed")
        }
        #expect {
            try Migration.load(from: ["migrations/0002_a.sql": "", "migrations/0002_b.sql": ""])
        } throws: { error in
            "\(error)".contains("share the number 2")
        }
        let loaded = try? Migration.load(from: ["queries/monitor.sql": "SELECT 1", "migrations/0003_x.sql": "SELECT 1"])
        #expect(loaded?.map(\.fileName) == ["0003_x.sql"])
    }

    @Test func theChecksumIsSHA256OfTheText() {
        let migration = Migration(version: 1, name: "x", sql: "abc")
        #expect(migration.checksum == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
