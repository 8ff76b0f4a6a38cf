// SignalSource: SIGTERM/SIGINT as an async sequence, through Dispatch (the default handlers are ignored so
// the process is not killed before it can stop gracefully).

import Dispatch
import Foundation

final class SignalSource: Sendable {
    // Dispatch sources are thread-safe but not marked Sendable; the box makes the sharing explicit.
    private let sources: LockedBox<[any DispatchSourceSignal]>
    let signals: AsyncStream<Int32>

    init(_ numbers: [Int32] = [SIGTERM, SIGINT]) {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        let queue = DispatchQueue(label: "gantry.runtime.signals")
        signals = stream
        sources = LockedBox(numbers.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        })
    }

    /// Stops listening and restores the default dispositions.
    func cancel() {
        sources.withLock { sources in
            for source in sources {
                source.cancel()
                signal(Int32(source.handle), SIG_DFL)
            }
        }
    }
}
