// A ListWatchSource that plays a script: list pages, watch connections with events, drops and hangs.
// It records the calls so tests can check what the watcher asked for.

import Foundation
import KubeCore
import Synchronization
@testable import KubeRuntime

final class ScriptedListWatch<Object: KubeResource>: ListWatchSource, Sendable {
    enum Step: Sendable {
        case event(ListWatchEvent<Object>)
        /// The server ends the stream normally.
        case end
        /// The connection breaks.
        case fail(any Error)
        /// Waits for the gate, then breaks.
        case failWhenOpened(Gate)
        /// Stays open until cancelled.
        case hang
    }

    struct ListCall: Equatable, Sendable {
        var limit: Int
        var continueToken: String?
    }

    private struct State {
        var lists: [Result<KubeList<Object>, any Error>] = []
        var watches: [Result<[Step], any Error>] = []
        var listCalls: [ListCall] = []
        var watchCalls: [String] = []
    }

    private let state = Mutex(State())

    func addList(_ items: [Object], resourceVersion: String, continueToken: String? = nil) {
        state.withLock {
            $0.lists.append(.success(KubeList(metadata: ListMeta(resourceVersion: resourceVersion, continueToken: continueToken),
                                              items: items)))
        }
    }

    func addListFailure(_ error: any Error) { state.withLock { $0.lists.append(.failure(error)) } }

    func addWatch(_ steps: [Step]) { state.withLock { $0.watches.append(.success(steps)) } }

    func addWatchFailure(_ error: any Error) { state.withLock { $0.watches.append(.failure(error)) } }

    var listCalls: [ListCall] { state.withLock { $0.listCalls } }
    var watchCalls: [String] { state.withLock { $0.watchCalls } }

    func list(limit: Int, continueToken: String?) async throws -> KubeList<Object> {
        let next = state.withLock { s -> Result<KubeList<Object>, any Error>? in
            s.listCalls.append(ListCall(limit: limit, continueToken: continueToken))
            return s.lists.isEmpty ? nil : s.lists.removeFirst()
        }
        guard let next else { return try await Self.hangUntilCancelled() }
        return try next.get()
    }

    func watch(resourceVersion: String, timeoutSeconds: Int, allowBookmarks: Bool) async throws -> any WatchConnection<Object> {
        let next = state.withLock { s -> Result<[Step], any Error>? in
            s.watchCalls.append(resourceVersion)
            return s.watches.isEmpty ? nil : s.watches.removeFirst()
        }
        guard let next else { return try await Self.hangUntilCancelled() }
        return ScriptedConnection(steps: try next.get())
    }

    static func hangUntilCancelled<T>() async throws -> T {
        await Gate().wait()
        throw CancellationError()
    }

    final class ScriptedConnection: WatchConnection, Sendable {
        private let steps: Mutex<[Step]>
        init(steps: [Step]) { self.steps = Mutex(steps) }

        func next() async throws -> ListWatchEvent<Object>? {
            let step = steps.withLock { $0.isEmpty ? Step.hang : $0.removeFirst() }
            switch step {
            case .event(let e): return e
            case .end: return nil
            case .fail(let error): throw error
            case .failWhenOpened(let gate):
                await gate.wait()
                try Task.checkCancellation()
                throw URLError(.networkConnectionLost)
            case .hang: return try await ScriptedListWatch.hangUntilCancelled()
            }
        }
    }
}

extension Status {
    static func gone(_ message: String = "too old resource version") -> Status {
        Status(message: message, reason: "Expired", code: 410)
    }

    static let internalError = Status(message: "etcd unavailable", reason: "InternalError", code: 500)
}
