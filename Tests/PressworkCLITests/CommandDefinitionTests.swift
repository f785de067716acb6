import ArgumentParser
import Testing

@testable import presswork

/// Every command's options are well formed. ArgumentParser checks a definition only when the
/// command is parsed, and a malformed one (two options named alike) ends the process with its
/// report: here, the test process, instead of the first person who types the command.
@Suite struct CommandDefinitionTests {
    static func paths(_ command: any ParsableCommand.Type, prefix: [String] = []) -> [[String]] {
        let configuration = command.configuration
        let here = prefix + (prefix.isEmpty && command == Presswork.self ? [] : [configuration.commandName ?? ""])
        return [here] + configuration.subcommands.flatMap { paths($0, prefix: here) }
    }

    @Test func everyCommandParsesItsHelp() throws {
        let all = Self.paths(Presswork.self)
        #expect(all.count > 40)
        for path in all {
            do {
                _ = try Presswork.parseAsRoot(path + ["--help"])
            } catch {
                #expect(
                    !Presswork.message(for: error).contains("Validation failed"),
                    "presswork \(path.joined(separator: " ")): \(Presswork.message(for: error))")
            }
        }
    }
}
