import Foundation
import Logging
import PostgresTestSupport
import PressworkPipeline
import TestSupport
import Testing

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

    /// Images: offline by default, none, or an OpenAI-compatible server whose model, size and
    /// key are checked when read, naming what is wrong.
    @Test func imageSettingsAreResolvedAndCheckedWhenRead() throws {
        #expect(try RuntimeSettings.resolve(.init(), environment: [:]).providers.images == .offline)
        #expect(
            try RuntimeSettings.resolve(.init(), environment: ["PRESSWORK_IMAGES": "none"]).providers.images == ProviderSettings.Images.none
        )

        let path = try configFile(
            #"{"images": "openai", "openaiBaseURL": "http://127.0.0.1:8080/v1", "imageModel": "sd-turbo", "imageSize": "768x512", "imagePriceUSD": 0.002, "imagesRequired": true, "imagesAPIKey": "image-key-123"}"#
        )
        let configured = try RuntimeSettings.resolve(.init(configPath: path), environment: [:]).providers
        #expect(configured.imageModel?.model == "sd-turbo")
        #expect(configured.imageModel?.baseURL == "http://127.0.0.1:8080/v1")
        #expect(configured.imageModel?.apiKey == "image-key-123")
        #expect(configured.imageSettings == .init(size: "768x512", pricePerImageUSD: 0.002))
        #expect(configured.imagesRequired)

        func refusal(_ environment: [String: String], file: String? = nil) throws -> String {
            let options = RuntimeSettings.Overrides(configPath: try file.map(configFile))
            do {
                _ = try RuntimeSettings.resolve(options, environment: environment)
                return "accepted"
            } catch {
                return error.message
            }
        }
        #expect(try refusal(["PRESSWORK_IMAGES": "midjourney"]).contains("the images provider \"midjourney\" is unknown"))
        #expect(try refusal(["PRESSWORK_IMAGES": "openai"]).contains("images from OpenAI need a key"))
        #expect(try refusal(["PRESSWORK_IMAGES": "gemini"]).contains("images from Gemini need a key"))
        let gemini = try RuntimeSettings.resolve(.init(), environment: ["PRESSWORK_IMAGES": "gemini", "GEMINI_API_KEY": "AIza-test"])
        #expect(gemini.providers.geminiImageModel?.model == "gemini-2.5-flash-image")
        #expect(gemini.providers.geminiImageModel?.apiKey == "AIza-test")
        #expect(
            try refusal(["PRESSWORK_IMAGES": "openai", "OPENAI_BASE_URL": "http://127.0.0.1:8080/v1"])
                .contains("PRESSWORK_IMAGE_MODEL is not set"))
        #expect(try refusal([:], file: #"{"imageSize": "huge"}"#).contains("\"imageSize\" must be WIDTHxHEIGHT"))
        #expect(try refusal([:], file: #"{"imagePriceUSD": -1}"#).contains("\"imagePriceUSD\" must be a non-negative"))
        #expect(
            try RuntimeSettings.resolve(.init(), environment: ["PRESSWORK_IMAGES": "openai", "OPENAI_API_KEY": "sk-x"])
                .providers.imageModel?.model == "gpt-image-1")
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

    /// The offline writer's simulated latency: a mean, and a spread around it that is a fraction
    /// below one; each call's wait stays within it.
    @Test func simulatedLatencyTakesAMeanAndAJitter() throws {
        let environment = ["PRESSWORK_OFFLINE_LATENCY_MS": "300", "PRESSWORK_OFFLINE_LATENCY_JITTER": "0.25"]
        let latency = try #require(try RuntimeSettings.resolve(.init(), environment: environment).providers.simulatedLatency)
        #expect(latency == SimulatedLatency(mean: .milliseconds(300), jitter: 0.25))
        var generator = SystemRandomNumberGenerator()
        let waits = (0..<200).map { _ in latency.draw(using: &generator) }
        #expect(waits.allSatisfy { (Duration.milliseconds(225)...Duration.milliseconds(375)).contains($0) })
        #expect(Set(waits).count > 1, "the waits spread")
        let steady = try RuntimeSettings.resolve(.init(), environment: ["PRESSWORK_OFFLINE_LATENCY_MS": "300"]).providers
        #expect(steady.simulatedLatency?.draw(using: &generator) == .milliseconds(300))
        for bad in ["1", "-0.1", "a lot"] {
            #expect {
                try RuntimeSettings.resolve(
                    .init(), environment: ["PRESSWORK_OFFLINE_LATENCY_MS": "300", "PRESSWORK_OFFLINE_LATENCY_JITTER": bad])
            } throws: { error in
                "\(error)".contains("PRESSWORK_OFFLINE_LATENCY_JITTER must be a fraction") && "\(error)".contains(bad)
            }
        }
    }

    /// A config file means what it says: a key given twice, a trailing comma, a dimension below
    /// one, a trend URL that is not http(s) are refused when the settings are read, before any
    /// run is written, naming the place; so are an empty home and a garbage OTLP endpoint.
    @Test func strictConfigurationIsRefusedWhenRead() throws {
        let refusals: [(String, String)] = [
            (#"{"home": "/a", "home": "/b"}"#, #"the key "home" is given twice"#),
            (#"{"home": "/a",}"#, "trailing comma"),
            (
                #"{"embeddings": "openai", "openaiEmbeddingModel": "e", "embeddingDimension": -1}"#,
                "\"embeddingDimension\" must be 1 to 65536"
            ),
            (#"{"trends": "google", "googleTrendsURL": "file:///etc/passwd"}"#, "PRESSWORK_GOOGLE_TRENDS_URL must be an http(s) URL"),
            (#"{"home": ""}"#, #"the config file's "home" is empty"#),
            (#"{"wordpressUser": "ana\r\nX-Injected: 1"}"#, #"the control character U+000D in "wordpressUser""#),
            (#"{"feeds": ["https://a.example/\u202Efeed"]}"#, #"U+202E in "feeds[0]""#),
        ]
        for (text, expected) in refusals {
            #expect {
                try RuntimeSettings.resolve(
                    .init(configPath: try configFile(text)),
                    environment: ["HOME": "/h", "OPENAI_BASE_URL": "http://127.0.0.1:1/v1"]
                )
            } throws: { error in
                "\(error)".contains(expected)
            }
        }
        #expect {
            try RuntimeSettings.resolve(.init(home: ""), environment: [:])
        } throws: { error in
            "\(error)".contains("--home is empty")
        }
        let relative = try RuntimeSettings.resolve(.init(home: "data/pw"), environment: [:])
        #expect(relative.home == FileManager.default.currentDirectoryPath + "/data/pw")
        #expect {
            try TraceExport.startIfConfigured(environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "not a url"], logger: Logger(label: "t"))
        } throws: { error in
            "\(error)".contains("OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL")
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

@Suite struct ProviderSettingsTests {
    @Test func offlineIsTheDefaultAndSaysSo() throws {
        let settings = try RuntimeSettings.resolve(.init(), environment: ["HOME": "/home/ana"])
        #expect(settings.providers == .offline)
        #expect(settings.providers.choice.isOffline)
    }

    @Test func anOpenAICompatibleServerIsConfiguredFromTheEnvironment() throws {
        let environment = [
            "HOME": "/home/ana", "PRESSWORK_LLM": "openai", "OPENAI_BASE_URL": "http://localhost:11434/v1",
            "OPENAI_MODEL": "llama3.1", "PRESSWORK_MODEL_IDEAS": "llama3.2:3b", "OPENAI_API_KEY": "sk-never-shown",
        ]
        let settings = try RuntimeSettings.resolve(.init(), environment: environment)
        #expect(settings.providers.llm == .openai)
        #expect(settings.providers.openAI?.model == "llama3.1")
        #expect(settings.providers.roundModels == [.ideas: "llama3.2:3b"])
        // What runs record: names, never the key.
        #expect(settings.providers.choice.llm == "openai(localhost:11434)/llama3.1,llama3.2:3b")
        #expect(!"\(settings.providers.choice)".contains("sk-never-shown"))
    }

    /// Generation settings by default and per round, schema bounds, embeddings of their own and
    /// the time budget, each checked for range and sense, naming the variable.
    @Test func generationTimeoutsAndEmbeddingsAreConfiguredAndChecked() throws {
        let base = [
            "HOME": "/h", "PRESSWORK_LLM": "openai", "OPENAI_BASE_URL": "http://127.0.0.1:18080/v1", "OPENAI_MODEL": "m",
        ]
        let settings = try RuntimeSettings.resolve(
            .init(embeddings: "openai"),
            environment: base.merging([
                "PRESSWORK_MAX_OUTPUT_TOKENS": "1024", "PRESSWORK_TEMPERATURE": "0.7", "PRESSWORK_FREQUENCY_PENALTY_DRAFTS": "0.5",
                "PRESSWORK_EMBEDDINGS_BASE_URL": "http://127.0.0.1:18081/v1", "PRESSWORK_EMBEDDINGS_MODEL": "all-MiniLM-L6-v2",
                "PRESSWORK_CALL_TIMEOUT_SECONDS": "240", "PRESSWORK_ROUND_TIMEOUT_SECONDS": "900",
            ]) { _, new in new }
        ).providers
        #expect(settings.generation == .init(maxOutputTokens: 1024, maxOutputTokensCeiling: 2048, temperature: 0.7))
        #expect(
            settings.roundGeneration == [
                .drafts: .init(
                    maxOutputTokens: 1024, maxOutputTokensCeiling: 2048, temperature: 0.7, frequencyPenalty: 0.5
                )
            ])
        #expect(settings.openAI?.schemaBounds == .full)
        #expect(settings.embeddingModel?.baseURL == "http://127.0.0.1:18081/v1" && settings.embeddingDimension == 384)
        #expect(settings.embeddingWindow == 256)
        #expect(settings.timeouts.call == .seconds(240) && settings.timeouts.round == .seconds(900))

        for (variable, value, message) in [
            ("PRESSWORK_TEMPERATURE", "hot", "PRESSWORK_TEMPERATURE must be a number from 0 to 2, not hot"),
            ("PRESSWORK_TEMPERATURE_IDEAS", "3", "the temperature of ideas must be from 0 to 2, not 3.0"),
            ("PRESSWORK_FREQUENCY_PENALTY", "-5", "the frequency penalty must be from -2 to 2, not -5.0"),
            ("PRESSWORK_MAX_OUTPUT_TOKENS", "8", "PRESSWORK_MAX_OUTPUT_TOKENS must be a whole number from 16 to 1000000, not 8"),
            ("PRESSWORK_SCHEMA_BOUNDS", "loose", "PRESSWORK_SCHEMA_BOUNDS \"loose\" is unknown"),
            ("PRESSWORK_ROUND_TIMEOUT_SECONDS", "60", "the round timeout (60.0 seconds) is shorter than one call's"),
        ] {
            let refused = #expect(throws: SettingsError.self) {
                try RuntimeSettings.resolve(.init(), environment: base.merging([variable: value]) { _, new in new })
            }
            #expect(refused?.message.contains(message) == true, "\(refused?.message ?? "")")
        }
    }

    @Test func geminiIsConfiguredWithAKeyAndModelsPerRound() throws {
        let settings = try RuntimeSettings.resolve(
            .init(llm: "gemini"),
            environment: [
                "HOME": "/h", "GEMINI_API_KEY": "gm-never-shown", "PRESSWORK_MODEL_DRAFTS": "gemini-2.5-pro",
            ])
        #expect(settings.providers.gemini?.model == "gemini-2.5-flash")
        #expect(settings.providers.gemini?.baseURL == "https://generativelanguage.googleapis.com/v1beta")
        #expect(settings.providers.roundModels == [.drafts: "gemini-2.5-pro"])
        #expect(settings.providers.choice.llm == "gemini(generativelanguage.googleapis.com)/gemini-2.5-flash,gemini-2.5-pro")
        #expect(!"\(settings.providers.choice)".contains("gm-never-shown"))
        let refused = #expect(throws: SettingsError.self) {
            try RuntimeSettings.resolve(.init(llm: "gemini"), environment: ["HOME": "/h"])
        }
        #expect(refused?.message.contains("GEMINI_API_KEY is not set") == true)
    }

    @Test func trendSourcesAreConfiguredAndChecked() throws {
        let google = try RuntimeSettings.resolve(
            .init(trends: "google"),
            environment: [
                "HOME": "/h", "PRESSWORK_FEEDS": "https://a.example/feed.xml, https://b.example/atom",
            ])
        #expect(google.providers.feeds?.googleTrends == true)
        #expect(google.providers.feeds?.feeds == ["https://a.example/feed.xml", "https://b.example/atom"])
        #expect(google.providers.choice.trends == "google-trends,feed(a.example),feed(b.example)")
        #expect(try RuntimeSettings.resolve(.init(), environment: ["HOME": "/h"]).providers.feeds == nil)
        let noFeeds = #expect(throws: SettingsError.self) {
            try RuntimeSettings.resolve(.init(trends: "feeds"), environment: ["HOME": "/h"])
        }
        #expect(noFeeds?.message.contains("needs PRESSWORK_FEEDS") == true)
        let badFeed = #expect(throws: SettingsError.self) {
            try RuntimeSettings.resolve(.init(trends: "feeds"), environment: ["HOME": "/h", "PRESSWORK_FEEDS": "ftp://x/feed"])
        }
        #expect(badFeed?.message.contains("\"ftp://x/feed\", which is not an http(s) URL") == true)
    }

    @Test func pricesAndBudgetsAreRead() throws {
        let settings = try RuntimeSettings.resolve(
            .init(),
            environment: [
                "HOME": "/h", "PRESSWORK_PRICES": "gpt-4o-mini=0.15/0.60, text-embedding-3-small=0.02/0",
                "PRESSWORK_RUN_BUDGET_USD": "0.25",
            ])
        #expect(settings.providers.prices["gpt-4o-mini"] == ModelPrice(input: 0.15, output: 0.6))
        #expect(settings.providers.prices["text-embedding-3-small"] == ModelPrice(input: 0.02, output: 0))
        #expect(settings.providers.runBudgetUSD == 0.25)
        let bad = #expect(throws: SettingsError.self) {
            try RuntimeSettings.resolve(.init(), environment: ["HOME": "/h", "PRESSWORK_PRICES": "gpt-4o-mini=cheap"])
        }
        #expect(bad?.message.contains("\"gpt-4o-mini=cheap\" is not MODEL=INPUT/OUTPUT") == true)
    }

    @Test func missingOrUnknownSettingsAreRefusedByName() throws {
        func refusal(_ environment: [String: String], _ overrides: RuntimeSettings.Overrides = .init()) -> String {
            do {
                _ = try RuntimeSettings.resolve(overrides, environment: environment.merging(["HOME": "/h"]) { a, _ in a })
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(refusal(["PRESSWORK_LLM": "openai"]).contains("OPENAI_API_KEY is not set"))
        #expect(refusal(["PRESSWORK_LLM": "openai", "OPENAI_BASE_URL": "http://localhost:8080/v1"]).contains("OPENAI_MODEL is not set"))
        #expect(refusal([:], .init(llm: "claude")).contains("the LLM provider \"claude\" is unknown"))
        #expect(
            refusal(["PRESSWORK_EMBEDDINGS": "openai", "OPENAI_BASE_URL": "http://localhost:8080/v1", "OPENAI_EMBEDDING_MODEL": "nomic"])
                .contains("PRESSWORK_EMBEDDING_DIMENSION is not set"))
        #expect(refusal(["PRESSWORK_LLM": "openai", "OPENAI_BASE_URL": "localhost:8080"]).contains("must start with http"))
    }

    @Test func theConfigFileNamesModelsPerRound() throws {
        let path = try TemporaryFolder.make() + "/presswork.json"
        try
            #"{"llm": "openai", "openaiBaseURL": "http://127.0.0.1:8000/v1", "openaiModel": "big", "models": {"ideas": "small", "review": "judge"}}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let settings = try RuntimeSettings.resolve(.init(configPath: path), environment: ["HOME": "/h"])
        #expect(settings.providers.roundModels == [.ideas: "small", .coherence: "judge"])

        try #"{"llm": "openai", "openaiBaseURL": "http://127.0.0.1:8000/v1", "openaiModel": "big", "models": {"drafting": "x"}}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: SettingsError.self) { try RuntimeSettings.resolve(.init(configPath: path), environment: ["HOME": "/h"]) }
    }
}
