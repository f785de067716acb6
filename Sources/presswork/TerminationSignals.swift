import Dispatch
import Foundation

/// SIGINT (Ctrl-C) and SIGTERM call a handler (which cancels the work, so that runs are handed
/// back) instead of ending the process, until `restore()` gives them back their default.
final class TerminationSignals {
    private static let numbers = [SIGINT, SIGTERM]
    private let sources: [any DispatchSourceSignal]

    init(_ handler: @escaping @Sendable () -> Void) {
        sources = Self.numbers.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
    }

    func restore() {
        for (source, number) in zip(sources, Self.numbers) {
            source.cancel()
            signal(number, SIG_DFL)
        }
    }
}
