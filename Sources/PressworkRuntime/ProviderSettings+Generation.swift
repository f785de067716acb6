import PressworkCore
import PressworkProviders

/// The deadlines of one time budget, from the outside in: a run's execution, each round in
/// it (retries and sections included), each provider call in a round (one HTTP attempt; the
/// connection must open within `HTTPTransport.connectTimeout`).
public struct Timeouts: Sendable, Equatable {
    public var call: Duration = .seconds(120)
    public var round: Duration = .seconds(600)
    public var run: Duration = .seconds(3_600)

    public init() {}
}

extension ProviderSettings {
    /// `PRESSWORK_SCHEMA_BOUNDS` or `"schemaBounds"`; nil: the default for the server.
    static func schemaBounds(env: (String) -> String?, file: ConfigFile) throws(SettingsError) -> SchemaBounds? {
        guard let text = env("PRESSWORK_SCHEMA_BOUNDS") ?? file.schemaBounds else { return nil }
        guard let bounds = SchemaBounds(rawValue: text.lowercased()) else {
            throw SettingsError(
                "PRESSWORK_SCHEMA_BOUNDS \"\(text)\" is unknown; use one of: "
                    + SchemaBounds.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return bounds
    }

    /// `PRESSWORK_MAX_OUTPUT_TOKENS`, `PRESSWORK_MAX_OUTPUT_TOKENS_CEILING`,
    /// `PRESSWORK_TEMPERATURE` and `PRESSWORK_FREQUENCY_PENALTY`, each also per round
    /// (`PRESSWORK_TEMPERATURE_IDEAS`), over the config file's `"generation"` (`"default"` and
    /// round names).
    static func resolveGeneration(into settings: inout ProviderSettings, env: (String) -> String?, file: ConfigFile) throws(SettingsError) {
        if let unknown = file.generation?.keys.sorted().first(where: { name in
            name != "default" && !modelRounds.contains { $0.configName == name }
        }) {
            throw SettingsError(
                "the config file's \"generation\" has an unknown round \"\(unknown)\"; use default or "
                    + modelRounds.map(\.configName).joined(separator: ", "))
        }
        func settingsFor(_ suffix: String, entry: ConfigFile.GenerationEntry?, base: StructuredGenerator.Settings)
            throws(SettingsError) -> StructuredGenerator.Settings
        {
            let maxTokens = try positiveInt(
                "PRESSWORK_MAX_OUTPUT_TOKENS" + suffix, env("PRESSWORK_MAX_OUTPUT_TOKENS" + suffix),
                file: entry?.maxOutputTokens, range: 16...1_000_000)
            let ceiling = try positiveInt(
                "PRESSWORK_MAX_OUTPUT_TOKENS_CEILING" + suffix,
                env("PRESSWORK_MAX_OUTPUT_TOKENS_CEILING" + suffix),
                file: entry?.maxOutputTokensCeiling, range: 16...1_000_000)
            let round = suffix.isEmpty ? "" : " of " + suffix.dropFirst().lowercased()
            let temperature = try number(
                "PRESSWORK_TEMPERATURE" + suffix, env("PRESSWORK_TEMPERATURE" + suffix),
                over: entry?.temperature ?? base.temperature, range: 0...2, described: ("temperature" + round, "0 to 2")
            )
            let penalty = try number(
                "PRESSWORK_FREQUENCY_PENALTY" + suffix, env("PRESSWORK_FREQUENCY_PENALTY" + suffix),
                over: entry?.frequencyPenalty ?? base.frequencyPenalty, range: -2...2,
                described: ("frequency penalty" + round, "-2 to 2")
            )
            let tokens = maxTokens ?? base.maxOutputTokens
            // The ceiling follows the limit unless it was given itself.
            let ceilingTokens = ceiling ?? (maxTokens == nil ? base.maxOutputTokensCeiling : tokens * 2)
            guard ceilingTokens >= tokens else {
                throw SettingsError("PRESSWORK_MAX_OUTPUT_TOKENS_CEILING\(suffix) (\(ceilingTokens)) is below the output limit (\(tokens))")
            }
            return StructuredGenerator.Settings(
                maxOutputTokens: tokens, maxOutputTokensCeiling: ceilingTokens, temperature: temperature, frequencyPenalty: penalty
            )
        }
        settings.generation = try settingsFor("", entry: file.generation?["default"], base: StructuredGenerator.Settings())
        for round in modelRounds {
            let suffix = "_" + round.configName.uppercased()
            let entry = file.generation?[round.configName]
            let hasEnv = [
                "PRESSWORK_MAX_OUTPUT_TOKENS", "PRESSWORK_MAX_OUTPUT_TOKENS_CEILING", "PRESSWORK_TEMPERATURE",
                "PRESSWORK_FREQUENCY_PENALTY",
            ]
            .contains { env($0 + suffix) != nil }
            guard entry != nil || hasEnv else { continue }
            settings.roundGeneration[round] = try settingsFor(suffix, entry: entry, base: settings.generation)
        }
    }

    /// `PRESSWORK_CALL_TIMEOUT_SECONDS`, `PRESSWORK_ROUND_TIMEOUT_SECONDS`,
    /// `PRESSWORK_RUN_TIMEOUT_SECONDS` (or the config file's `callTimeoutSeconds`, …). A round's
    /// deadline must leave room for at least one call, and a run's for at least one round.
    static func resolveTimeouts(into settings: inout ProviderSettings, env: (String) -> String?, file: ConfigFile) throws(SettingsError) {
        func seconds(_ name: String, _ fileValue: Double?, _ fallback: Duration) throws(SettingsError) -> Duration {
            guard let value = env(name).map({ Double($0) }) ?? fileValue.map(Optional.some) else { return fallback }
            guard let value, value > 0, value <= 86_400 else {
                throw SettingsError("\(name) must be a number of seconds from 1 to 86400, not \(env(name) ?? "\(fileValue ?? 0)")")
            }
            return .milliseconds(Int64(value * 1000))
        }
        var timeouts = Timeouts()
        timeouts.call = try seconds("PRESSWORK_CALL_TIMEOUT_SECONDS", file.callTimeoutSeconds, timeouts.call)
        timeouts.round = try seconds("PRESSWORK_ROUND_TIMEOUT_SECONDS", file.roundTimeoutSeconds, timeouts.round)
        timeouts.run = try seconds("PRESSWORK_RUN_TIMEOUT_SECONDS", file.runTimeoutSeconds, timeouts.run)
        guard timeouts.round >= timeouts.call else {
            throw SettingsError(
                "the round timeout (\(timeouts.round)) is shorter than one call's (\(timeouts.call)): "
                    + "raise PRESSWORK_ROUND_TIMEOUT_SECONDS or lower PRESSWORK_CALL_TIMEOUT_SECONDS")
        }
        guard timeouts.run >= timeouts.round else {
            throw SettingsError(
                "the run timeout (\(timeouts.run)) is shorter than one round's (\(timeouts.round)): "
                    + "raise PRESSWORK_RUN_TIMEOUT_SECONDS or lower PRESSWORK_ROUND_TIMEOUT_SECONDS")
        }
        settings.timeouts = timeouts
    }

    /// A number setting: the environment's `text` (named `name`) over `fallback` (the file's,
    /// or the default), within `range`; `described` names the setting and its range in errors.
    static func number(
        _ name: String, _ text: String?, over fallback: Double?, range: ClosedRange<Double>,
        described: (setting: String, range: String)
    ) throws(SettingsError) -> Double? {
        var value = fallback
        if let text {
            guard let parsed = Double(text) else {
                throw SettingsError("\(name) must be a number from \(described.range), not \(text)")
            }
            value = parsed
        }
        if let value, !range.contains(value) {
            throw SettingsError("the \(described.setting) must be from \(described.range), not \(value)")
        }
        return value
    }

    /// An integer setting from the environment (named `name`) or the file, within `range`.
    static func positiveInt(_ name: String, _ text: String?, file: Int?, range: ClosedRange<Int>) throws(SettingsError) -> Int? {
        if let text {
            guard let value = Int(text), range.contains(value) else {
                throw SettingsError("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not \(text)")
            }
            return value
        }
        if let file, !range.contains(file) {
            throw SettingsError("\(name) must be from \(range.lowerBound) to \(range.upperBound), not \(file)")
        }
        return file
    }
}
