import Foundation
import PressworkCore
import PressworkOrchestrator
import PressworkRuntime

/// Shows a run's progress on stderr: on a terminal, a live line per round (a spinner while it
/// runs, then its duration and summary); otherwise one plain line per event.
final class ProgressPrinter: Sendable {
    private let terminal = isatty(STDERR_FILENO) == 1
    private let state = LockedState()

    func handle(_ event: RunProgress) {
        switch event {
        case .claimed(let attempt):
            if attempt > 1 { write("continuing (attempt \(attempt))") }
        case .roundStarted(let round):
            if terminal { state.startSpinner(label: Self.label(round)) } else { write("\(Self.label(round)) …") }
        case .roundSkipped(let round):
            write("\(Self.label(round))  skipped (artifact exists)")
        case .sectionFinished(let round, _, let done, let total):
            if terminal { state.updateSpinner(label: "\(Self.label(round))  \(done)/\(total) sections") }
        case .roundFinished(let round, let durationMs, let summary):
            state.stopSpinner()
            write("\(Self.label(round))  \(durationMs) ms  \(summary)")
        case .retrying(let round, let attempt, let reason):
            state.stopSpinner()
            write("\(Self.label(round))  retry \(attempt): \(reason)")
        case .warning(let round, let message):
            write("\(Self.label(round))  warning: \(message)")
        case .finished(let status, let reason):
            state.stopSpinner()
            write("run \(status)" + (reason.map { ": \($0)" } ?? ""))
        }
    }

    /// Summaries, retry reasons and warnings carry a model's or a server's text: escaped, so
    /// that nothing in them can move the cursor or recolour the terminal.
    private func write(_ line: String) {
        state.stopSpinner()
        StandardError.write(TerminalText.safe(line) + "\n")
    }

    private static func label(_ round: Round) -> String {
        "round \(round.rawValue) \(round.name)".padding(toLength: 26, withPad: " ", startingAt: 0)
    }
}

/// The spinner's line and its ticking task.
private final class LockedState: @unchecked Sendable {
    private let lock = NSLock()
    private var label: String?
    private var ticker: Task<Void, Never>?

    func startSpinner(label: String) {
        lock.withLock {
            self.label = label
            guard ticker == nil else { return }
            ticker = Task { [weak self] in
                let frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
                var frame = 0
                while !Task.isCancelled {
                    self?.draw(frames[frame % frames.count])
                    frame += 1
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
        }
    }

    func updateSpinner(label: String) {
        lock.withLock { self.label = label }
    }

    func stopSpinner() {
        let wasRunning: Bool = lock.withLock {
            defer {
                ticker?.cancel()
                ticker = nil
                label = nil
            }
            return ticker != nil
        }
        if wasRunning { StandardError.write("\r\u{1B}[K") }
    }

    private func draw(_ frame: String) {
        lock.withLock {
            guard let label else { return }
            StandardError.write("\r\u{1B}[K\(label)  \(frame)")
        }
    }
}
