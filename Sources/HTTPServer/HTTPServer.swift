// The HTTP/1.1 server every Gantry binary uses: probes and metrics, the scheduler extender, the dev cluster's
// API server. Sockets are served by epoll loops on dedicated threads; handlers run as tasks on Swift's pool.
//
//     let server = try HTTPServer(configuration: .init(port: 0), handler: router.handler)
//     print(server.port)            // bound in init, so known before run()
//     try await server.run()        // until shutdown() or cancellation, then a graceful stop

import Foundation
import Glibc
import Synchronization

public final class HTTPServer: Sendable {
    public let configuration: Configuration
    /// The port bound: the configured one, or the kernel's choice when 0 was asked.
    public let port: Int

    private let handler: HTTPHandler
    private let listenFD: Int32
    private let counters = ServerCounters()
    private let state = Mutex(State.bound)

    private enum State {
        /// Listening socket bound; `run()` not called yet.
        case bound
        case running(Running)
        case finished(ran: Bool)
    }

    private struct Running {
        var loops: [EventLoopHandle]
        var exited = 0
        var waiter: CheckedContinuation<Void, Never>?
        var draining = false
    }

    /// Binds and listens immediately (connections queue in the kernel until `run()`), so `port` is known.
    public init(configuration: Configuration = Configuration(), handler: @escaping HTTPHandler) throws {
        try configuration.validate()
        let (fd, port) = try Socket.listen(host: configuration.host, port: configuration.port,
                                           backlog: configuration.backlog)
        self.configuration = configuration
        self.port = port
        self.listenFD = fd
        self.handler = handler
    }

    deinit {
        // The listening socket belongs to loop 0 once running; before that it is ours to close.
        if case .bound = state.withLock({ $0 }) { close(listenFD) }
    }

    /// Serves until `shutdown()` is called or the calling task is cancelled, then stops gracefully: no new
    /// connections, idle ones closed, in-flight requests given `shutdownGracePeriod` to finish. Returns once
    /// every connection is closed. Returns at once if `shutdown()` came first; throws if run twice.
    /// Handler tasks still running when their connection closes are cancelled; `run()` does not wait for a
    /// handler that ignores cancellation.
    public func run() async throws {
        var loops: [EventLoopHandle] = []
        for i in 0..<configuration.eventLoops { loops.append(try EventLoopHandle(index: i)) }
        let shouldRun = try state.withLock { s -> Bool in
            switch s {
            case .bound:
                s = .running(Running(loops: loops))
                return true
            case .running, .finished(ran: true): throw HTTPServerError.alreadyStarted
            case .finished(ran: false): return false
            }
        }
        guard shouldRun else { return }
        let context = ServerContext(configuration: configuration, handler: handler, counters: counters, loops: loops,
                                    listenFD: listenFD, loopExited: { [self] in loopExited() })
        await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                state.withLock { s in
                    guard case .running(var r) = s else { return }
                    r.waiter = waiter
                    s = .running(r)
                }
                for handle in loops {
                    let thread = Thread {
                        let loop = EventLoop(handle: handle, context: context)
                        loop.run()
                    }
                    thread.name = "gantry-http-\(handle.index)"
                    thread.start()
                }
            }
        } onCancel: {
            shutdown()
        }
    }

    /// Begins a graceful stop (see `run()`); `gracePeriod` overrides the configured one. Idempotent.
    public func shutdown(gracePeriod: Duration? = nil) {
        enum Action { case none, closeListener, drain([EventLoopHandle]) }
        let action = state.withLock { s -> Action in
            switch s {
            case .bound:
                s = .finished(ran: false)
                return .closeListener
            case .running(var r):
                guard !r.draining else { return .none }
                r.draining = true
                s = .running(r)
                return .drain(r.loops)
            case .finished:
                return .none
            }
        }
        switch action {
        case .none: break
        case .closeListener: close(listenFD)
        case .drain(let loops):
            let deadline = Socket.now() &+ (gracePeriod ?? configuration.shutdownGracePeriod).nanoseconds
            for loop in loops { loop.execute { $0.beginDrain(deadline: deadline) } }
        }
    }

    private func loopExited() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard case .running(var r) = s else { return nil }
            r.exited += 1
            if r.exited < r.loops.count {
                s = .running(r)
                return nil
            }
            s = .finished(ran: true)
            return r.waiter
        }
        waiter?.resume()
    }

    /// A snapshot of the server's counters (for `/metrics` and tests).
    public struct Statistics: Sendable, Equatable {
        public var openConnections: Int
        public var activeStreams: Int
        public var requestsCompleted: Int
        /// Connections turned away with 503 because `maxConnections` were open.
        public var rejectedConnections: Int
        /// Connections closed or answered 408 by a header, body or write-stall timeout.
        public var timedOutConnections: Int
    }

    public var statistics: Statistics {
        Statistics(openConnections: counters.openConnections.load(ordering: .relaxed),
                   activeStreams: counters.activeStreams.load(ordering: .relaxed),
                   requestsCompleted: counters.requestsCompleted.load(ordering: .relaxed),
                   rejectedConnections: counters.rejectedConnections.load(ordering: .relaxed),
                   timedOutConnections: counters.timedOutConnections.load(ordering: .relaxed))
    }
}
