import Foundation
import PackagePlugin

/// Compiles the package's top-level `sql/` folder into the target as Swift source, so that the
/// `presswork` binary carries its migrations and named queries wherever it is installed.
///
/// Every `.sql` file is an input of the build command: editing one re-runs the tool on the next
/// incremental build; adding one is seen when SwiftPM plans the build again (every `swift build`).
@main
struct EmbedSQLPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let sqlRoot = context.package.directoryURL.appending(path: "sql")
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedSQL.swift")
        let inputs = Self.sqlFiles(under: sqlRoot)
        return [
            .buildCommand(
                displayName: "Embedding \(inputs.count) SQL files into \(target.name)",
                executable: try context.tool(named: "EmbedSQLTool").url,
                arguments: [sqlRoot.path, output.path],
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }

    private static func sqlFiles(under root: URL) -> [URL] {
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
            return []
        }
        return walker.compactMap { $0 as? URL }
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.path < $1.path }
    }
}
