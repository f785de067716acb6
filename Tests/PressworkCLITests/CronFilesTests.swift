import Foundation
import PressworkCore
import Testing

@testable import presswork

/// Every schedule in cron/ parses with Presswork's own cron parser, and every command it runs
/// parses with Presswork's own argument parser: a renamed option fails here, not at 03:17.
@Suite struct CronFilesTests {
    static let cronFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("cron")

    /// The arguments after `presswork` in a command line, up to a redirection.
    static func pressworkArguments(_ command: String) -> [String]? {
        let words = command.split(separator: " ").map(String.init)
        guard let start = words.firstIndex(where: { $0 == "presswork" || $0.hasSuffix("/presswork") }) else { return nil }
        return Array(words[(start + 1)...].prefix { !$0.hasPrefix(">") && !$0.hasPrefix("2>") && $0 != "|" && $0 != "||" })
    }

    @Test func theCrontabSchedulesAndCommandsParse() throws {
        let text = try String(contentsOf: Self.cronFolder.appendingPathComponent("presswork.cron"), encoding: .utf8)
        var commands = 0
        for line in text.split(separator: "\n").map(String.init) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            // Schedule lines; comments and variable lines (NAME=value) start otherwise.
            guard let first = trimmed.first, first.isNumber || first == "*" else { continue }
            let fields = trimmed.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            #expect(fields.count > 7, "\(line)")
            _ = try CronExpression(fields[0..<5].joined(separator: " "))
            #expect(fields[5] == "presswork", "runs as the presswork user: \(line)")
            let arguments = try #require(Self.pressworkArguments(fields[6...].joined(separator: " ")))
            _ = try Presswork.parseAsRoot(arguments)
            commands += 1
        }
        #expect(commands == 2)
    }

    @Test func theSystemdUnitsRunCommandsThatParse() throws {
        let folder = Self.cronFolder.appendingPathComponent("systemd")
        let units = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".service") }
        #expect(Set(units) == ["presswork.service", "presswork-prune.service", "presswork-monitor.service"])
        for unit in units {
            let text = try String(contentsOf: folder.appendingPathComponent(unit), encoding: .utf8)
            let exec = try #require(text.split(separator: "\n").first { $0.hasPrefix("ExecStart=") }, "\(unit)")
            let arguments = try #require(Self.pressworkArguments(String(exec.dropFirst("ExecStart=".count))))
            _ = try Presswork.parseAsRoot(arguments)
        }
        for timer in ["presswork-prune.timer", "presswork-monitor.timer"] {
            let text = try String(contentsOf: folder.appendingPathComponent(timer), encoding: .utf8)
            #expect(text.contains("OnCalendar="), "\(timer)")
        }
    }
}
