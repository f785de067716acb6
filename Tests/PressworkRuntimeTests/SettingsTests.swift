import Foundation
import Logging
import Testing
import TestSupport
@testable import PressworkRuntime

@Suite struct SettingsTests {
    private func configFile(_ json: String) throws -> String {
        let path = try TemporaryFolder.make() + "/presswork.json"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func optionsBeatEnvironmentWhichBeatsTheConfigFile() throws {
        let path = try configFile(#"{"databaseURL": "postgresql:///fromfile", "home": "/file/home", "logFormat": "json"}"#)
        let fileOnly = try RuntimeSettings.resolve(.init(configPath: path), environment: [:])
        #expect(fileOnly.databaseURL == "postgresql:///fromfile")
        #expect(fileOnly.home == "/file/home")
        #expect(fileOnly.logFormat == .json)

        let environment = ["DATABASE_URL": "postgresql:///fromenv", "PRESSWORK_HOME": "/env/home", "PRESSWORK_LOG_FORMAT": "text"]
        let withEnvironment = try RuntimeSettings.resolve(.init(configPath: path), environment: environment)
        #expect(withEnvironment.databaseURL == "postgresql:///fromenv")
        #expect(withEnvironment.home == "/env/home")
        #expect(withEnvironment.logFormat == .text)

        let withOptions = try RuntimeSettings.resolve(
            .init(databaseURL: "postgresql:///fromflag", home: "/flag/home", configPath: path, logFormat: .json),
            environment: environment
        )
        #expect(withOptions.databaseURL == "postgresql:///fromflag")
        #expect(withOptions.home == "/flag/home")
        #expect(withOptions.logFormat == .json)
    }

    @Test func withoutADatabaseURLTheEmbeddedClusterLivesInTheDefaultHome() throws {
        let settings = try RuntimeSettings.resolve(.init(), environment: ["HOME": "/home/ana"])
        #expect(settings.databaseURL == nil)
        #expect(settings.home == (geteuid() == 0 ? "/var/lib/presswork" : "/home/ana/.local/share/presswork"))
    }

    @Test func badConfigurationIsRefusedByName() throws {
        #expect {
            try RuntimeSettings.resolve(.init(configPath: try configFile(#"{"databaseUrl": "x"}"#)), environment: [:])
        } throws: { error in
            "\(error)".contains("unknown key \"databaseUrl\"")
        }
        #expect {
            try RuntimeSettings.resolve(.init(configPath: try configFile(#"{"logFormat": "xml"}"#)), environment: [:])
        } throws: { error in
            "\(error)".contains("bad value for \"logFormat\"")
        }
        #expect {
            try RuntimeSettings.resolve(.init(configPath: try configFile("{not json")), environment: [:])
        } throws: { error in
            "\(error)".contains("is not valid JSON")
        }
        #expect {
            try RuntimeSettings.resolve(.init(configPath: "/nonexistent/presswork.json"), environment: [:])
        } throws: { error in
            "\(error)".contains("/nonexistent/presswork.json")
        }
        #expect {
            try RuntimeSettings.resolve(.init(logLevel: "loud"), environment: [:])
        } throws: { error in
            "\(error)".contains("log level loud is unknown")
        }
    }

    @Test func jsonLogLinesCarryMetadataAsKeys() throws {
        let sink = LineSink.memory()
        var logger = Logger(label: "presswork.test") { label in
            PressworkLogHandler(label: label, format: .json, level: .info, sink: sink)
        }
        logger[metadataKey: "presswork.run.id"] = "run-1"
        logger.info("round finished", metadata: ["presswork.round": "3", "durationMs": "120"])
        logger.debug("not written at info level")
        let lines = sink.captured
        #expect(lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: String])
        #expect(object["message"] == "round finished")
        #expect(object["level"] == "info")
        #expect(object["logger"] == "presswork.test")
        #expect(object["presswork.run.id"] == "run-1")
        #expect(object["presswork.round"] == "3")
        #expect(object["ts"]?.hasSuffix("Z") == true)
    }

    @Test func textLogLinesEndWithSortedMetadata() {
        let sink = LineSink.memory()
        let logger = Logger(label: "presswork") { PressworkLogHandler(label: $0, format: .text, level: .info, sink: sink) }
        logger.warning("lease lost", metadata: ["b": "2", "a": "1"])
        #expect(sink.captured.first?.hasSuffix(" warning presswork: lease lost a=1 b=2") == true)
    }
}
