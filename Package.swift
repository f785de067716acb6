// swift-tools-version:6.1
import PackageDescription

// Layers, dependencies pointing down:
//   presswork (CLI: arguments, signals, output) → PressworkRuntime (settings, the serve process as
//     a ServiceGroup) → PressworkHTTP (API), PressworkScheduler (scheduler, workers, webhooks)
//     → PressworkOrchestrator → PressworkPipeline → PressworkCore
//   PressworkRuntime → PressworkProviders (HTTP clients) → PressworkPipeline (the protocols)
//   PressworkHTTP, PressworkScheduler, PressworkOrchestrator → PressworkStore → PostgresClient
//   PressworkRuntime → EmbeddedPostgres → PostgresClient → CLibPQ
// Only PostgresClient imports CLibPQ; no C handle crosses its public API. Only the PNG encoder
// (PressworkPipeline/Images) imports CZlib.
let package = Package(
    name: "presswork",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "presswork", targets: ["presswork"]),
        .library(name: "PostgresClient", targets: ["PostgresClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // The HTTP API. Its swift-configuration support (a default trait) is not used.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Traces: spans from the orchestrator, providers and API; exported over OTLP/HTTP when an
        // OTEL_EXPORTER_OTLP_ENDPOINT is configured.
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // MARK: libpq
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(
            name: "PostgresClient",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: SQL embedded at build time
        // sql/ is compiled into the binary by a build-tool plugin, so an installed `presswork`
        // needs no resource folder beside it (see README, "Where the SQL lives").
        .executableTarget(name: "EmbedSQLTool"),
        .plugin(
            name: "EmbedSQLPlugin",
            capability: .buildTool(),
            dependencies: ["EmbedSQLTool"]
        ),

        // MARK: Presswork
        // Domain types (rounds, statuses, params, artifacts, schemas); depends on nothing.
        .target(name: "PressworkCore"),
        // The eight rounds over provider protocols, and the offline providers; knows no SQL.
        // MARK: zlib, for the offline image provider's PNGs
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "PressworkPipeline",
            dependencies: [
                "PressworkCore", "CZlib", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "PressworkStore",
            dependencies: [
                "PostgresClient",
                "PressworkCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            plugins: ["EmbedSQLPlugin"]
        ),
        // Real providers: LLM clients (OpenAI-compatible, Gemini), embeddings, over HTTP.
        // Prompt templates are compiled into the binary, like the SQL.
        .target(
            name: "PressworkProviders",
            dependencies: [
                "PressworkCore", "PressworkPipeline",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            resources: [.embedInCode("Prompts")]
        ),
        .target(name: "CSpawn"),
        // Durable execution: claims, leases, fenced commits, retries, the gate.
        .target(
            name: "PressworkOrchestrator",
            dependencies: [
                "PressworkCore", "PressworkPipeline", "PressworkStore", "PostgresClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // The background services of `serve`: the cron timer (schedules fire runs), the workers
        // (claim and execute them), maintenance (prune), webhook delivery (signed HTTP POSTs).
        .target(
            name: "PressworkScheduler",
            dependencies: [
                "PressworkCore", "PressworkStore", "PressworkOrchestrator", "PostgresClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The HTTP API of `serve --http`: runs, review, progress (SSE), schedules, health,
        // Prometheus metrics; bearer tokens with scopes. Its OpenAPI document is compiled in.
        .target(
            name: "PressworkHTTP",
            dependencies: [
                "PressworkCore", "PressworkStore", "PressworkPipeline", "PressworkOrchestrator", "PostgresClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.embedInCode("openapi.json"), .embedInCode("Console/console.css"), .embedInCode("Console/console.js")]
        ),
        .target(
            name: "EmbeddedPostgres",
            dependencies: [
                "CSpawn",
                "PostgresClient",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PressworkRuntime",
            dependencies: [
                "PostgresClient",
                "PressworkStore",
                "PressworkOrchestrator",
                "PressworkScheduler",
                "PressworkHTTP",
                "PressworkPipeline",
                "PressworkProviders",
                "EmbeddedPostgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "presswork",
            dependencies: [
                "PressworkRuntime",
                "PressworkHTTP",
                "PressworkScheduler",
                "PressworkStore",
                "PressworkOrchestrator",
                "PressworkPipeline",
                "PressworkCore",
                "EmbeddedPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "presswork-bench",
            dependencies: [
                "PostgresClient",
                "PressworkScheduler",
                "PressworkCore",
                "PressworkPipeline",
                // The near-duplicate evaluation measures the real embedding client.
                "PressworkProviders",
                "PressworkStore",
                "PressworkOrchestrator",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: Tests
        // A throwaway Postgres for tests (the embedded cluster, or PRESSWORK_TEST_DATABASE_URL):
        // all the Postgres client's and the store's tests need, so they build without the application.
        .target(
            name: "PostgresTestSupport",
            dependencies: ["PostgresClient", "EmbeddedPostgres", .product(name: "Logging", package: "swift-log")],
            path: "Tests/PostgresTestSupport"
        ),
        // Real peers for the application's tests: HTTP servers, WordPress, the presswork process.
        .target(
            name: "TestSupport",
            dependencies: [
                "PostgresTestSupport", "PostgresClient", "EmbeddedPostgres", "PressworkPipeline",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "PressworkCoreTests", dependencies: ["PressworkCore"]),
        .testTarget(name: "PressworkPipelineTests", dependencies: ["PressworkPipeline"]),
        .testTarget(
            name: "PressworkProvidersTests",
            dependencies: [
                "PressworkProviders", "PressworkPipeline", "PressworkCore", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // Replies of a real model (scripts/real-model, scripts/capture-proxy.py), read by path.
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "PressworkOrchestratorTests",
            dependencies: [
                "PressworkOrchestrator", "PressworkStore", "TestSupport", "PostgresTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "PressworkSchedulerTests",
            dependencies: [
                "PressworkScheduler", "PressworkOrchestrator", "PressworkStore", "PressworkRuntime", "TestSupport", "PostgresTestSupport",
                // The process tests start `presswork worker`: depending on it builds it.
                "presswork",
                .product(name: "Logging", package: "swift-log"),
                // The webhook receiver checks signatures with its own HMAC.
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The command line as people and cron use it: the real `presswork` process, and the
        // commands of cron/ parsed by its own argument parser.
        .testTarget(
            name: "PressworkHTTPTests",
            dependencies: [
                "PressworkHTTP", "PressworkStore", "PressworkOrchestrator", "PressworkPipeline", "PressworkRuntime", "TestSupport",
                "PostgresTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "PressworkCLITests",
            dependencies: [
                "presswork", "PressworkStore", "PressworkCore", "EmbeddedPostgres", "TestSupport", "PostgresTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "PostgresClientTests", dependencies: ["PostgresClient", "PostgresTestSupport"]),
        .testTarget(name: "PressworkStoreTests", dependencies: ["PressworkStore", "PostgresTestSupport"]),
        .testTarget(name: "EmbeddedPostgresTests", dependencies: ["EmbeddedPostgres", "PostgresTestSupport"]),
        .testTarget(
            name: "PressworkRuntimeTests",
            dependencies: ["PressworkRuntime", "TestSupport", "PostgresTestSupport", .product(name: "Logging", package: "swift-log")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
