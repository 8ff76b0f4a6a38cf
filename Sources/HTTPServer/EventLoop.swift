// One epoll event loop on a dedicated thread: accepts (loop 0), reads, parses, writes and times out its
// connections. All connection state is confined to the loop thread; other threads reach it only by handing a
// job to the loop's `EventLoopHandle`, which is why no connection state needs a lock.

import Foundation
import CEpoll
import Glibc
import Synchronization

/// The thread-safe face of an event loop: jobs from handler tasks run on the loop thread, in order.
final class EventLoopHandle: Sendable {
    typealias Job = @Sendable (EventLoop) -> Void

    private struct JobQueue {
        var jobs: [Job] = []
        var wakePending = false
        var closed = false
    }

    let index: Int
    let epollFD: Int32
    private let wakeFD: Int32
    private let queue = Mutex(JobQueue())

    /// epoll data values that are not connections.
    static let wakeToken: UInt64 = 0
    static let listenerToken: UInt64 = 1

    init(index: Int) throws {
        self.index = index
        let ep = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard ep >= 0 else { throw HTTPServerError.eventLoop(call: "epoll_create1", errno: errno) }
        let wake = eventfd(0, Int32(EFD_CLOEXEC) | Int32(EFD_NONBLOCK))
        guard wake >= 0 else {
            let e = errno
            close(ep)
            throw HTTPServerError.eventLoop(call: "eventfd", errno: e)
        }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = Self.wakeToken
        guard epoll_ctl(ep, EPOLL_CTL_ADD, wake, &event) == 0 else {
            let e = errno
            close(ep)
            close(wake)
            throw HTTPServerError.eventLoop(call: "epoll_ctl", errno: e)
        }
        epollFD = ep
        wakeFD = wake
    }

    deinit {
        // Nothing can call `execute` any more, so the eventfd cannot be written after it is closed.
        close(wakeFD)
        close(epollFD)
    }

    /// Queues `job` for the loop thread. Returns false once the loop has stopped; the job then never runs.
    @discardableResult
    func execute(_ job: @escaping Job) -> Bool {
        let (accepted, wake) = queue.withLock { q -> (Bool, Bool) in
            guard !q.closed else { return (false, false) }
            q.jobs.append(job)
            // One eventfd write per batch: jobs queued while a wake-up is pending ride along with it.
            if q.wakePending { return (true, false) }
            q.wakePending = true
            return (true, true)
        }
        if wake {
            var one: UInt64 = 1
            _ = write(wakeFD, &one, 8)
        }
        return accepted
    }

    /// Takes queued jobs; with `closing`, also refuses every later one.
    func takeJobs(closing: Bool) -> [Job] {
        var counter: UInt64 = 0
        _ = read(wakeFD, &counter, 8)
        return queue.withLock { q in
            let jobs = q.jobs
            q.jobs = []
            q.wakePending = false
            if closing { q.closed = true }
            return jobs
        }
    }
}

/// What the loops of one server share.
final class ServerContext: Sendable {
    let configuration: HTTPServer.Configuration
    let handler: HTTPHandler
    let counters: ServerCounters
    let loops: [EventLoopHandle]
    let listenFD: Int32
    let loopExited: @Sendable () -> Void

    // Timeouts in nanoseconds, precomputed for the deadline sweep.
    let headerTimeout: UInt64
    let bodyTimeout: UInt64
    let idleTimeout: UInt64
    let writeStallTimeout: UInt64
    let sweepInterval: UInt64

    init(configuration: HTTPServer.Configuration, handler: @escaping HTTPHandler, counters: ServerCounters,
         loops: [EventLoopHandle], listenFD: Int32, loopExited: @escaping @Sendable () -> Void) {
        self.configuration = configuration
        self.handler = handler
        self.counters = counters
        self.loops = loops
        self.listenFD = listenFD
        self.loopExited = loopExited
        let t = configuration.timeouts
        headerTimeout = t.header.nanoseconds
        bodyTimeout = t.body.nanoseconds
        idleTimeout = t.idle.nanoseconds
        writeStallTimeout = t.writeStall.nanoseconds
        // Deadlines are checked by a sweep a few times per shortest timeout: O(connections) a few times a second
        // is cheaper than a timer per connection, and precise enough for timeouts measured in seconds.
        let shortest = [headerTimeout, bodyTimeout, idleTimeout, writeStallTimeout].min() ?? 1_000_000_000
        sweepInterval = min(max(shortest / 4, 5_000_000), 250_000_000)
    }
}

/// Counters shared by all loops; atomics because accept (loop 0) and close (any loop) race on them.
final class ServerCounters: Sendable {
    let openConnections = Atomic<Int>(0)
    let activeStreams = Atomic<Int>(0)
    let requestsCompleted = Atomic<Int>(0)
    let rejectedConnections = Atomic<Int>(0)
    let timedOutConnections = Atomic<Int>(0)
}

/// The loop itself; lives on its thread and is never shared.
final class EventLoop {
    let handle: EventLoopHandle
    let context: ServerContext
    /// Monotonic time of the latest wake-up; good enough for every deadline on this loop.
    private(set) var now: UInt64 = Socket.now()
    /// Set once shutdown begins: in-flight work may run until then.
    private(set) var drainDeadline: UInt64? = nil
    /// Shared by all connections of the loop: read into it, then copy only what arrived.
    let readBuffer: UnsafeMutableRawBufferPointer

    private var connections: [UInt64: Connection] = [:]
    private var nextConnectionID: UInt64 = 2
    private var listenerOpen = false
    private var acceptPausedUntil: UInt64? = nil
    private var nextLoop = 0
    private var dateSecond = -1
    private var dateBytes: [UInt8] = []

    init(handle: EventLoopHandle, context: ServerContext) {
        self.handle = handle
        self.context = context
        readBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
    }

    deinit { readBuffer.deallocate() }

    var isDraining: Bool { drainDeadline != nil }

    func connection(_ id: UInt64) -> Connection? { connections[id] }

    /// Runs until the server drains and this loop has no connections left.
    func run() {
        if handle.index == 0 { startListening() }
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        var nextSweep = now &+ context.sweepInterval
        while true {
            let waitNanos = nextSweep > now ? nextSweep - now : 0
            let timeoutMillis = Int32(clamping: (waitNanos + 999_999) / 1_000_000)
            let count = events.withUnsafeMutableBufferPointer {
                epoll_wait(handle.epollFD, $0.baseAddress, Int32($0.count), timeoutMillis)
            }
            let waitError = count < 0 ? errno : 0
            now = Socket.now()
            // Only a broken epoll descriptor fails here (a programming error); stop rather than spin.
            if waitError != 0 && waitError != EINTR { break }
            for i in 0..<Int(max(count, 0)) {
                let event = events[i]
                switch event.data.u64 {
                case EventLoopHandle.wakeToken: runJobs()
                case EventLoopHandle.listenerToken: acceptConnections()
                case let id: connections[id]?.handle(events: event.events)
                }
            }
            if now >= nextSweep {
                sweep()
                nextSweep = now &+ context.sweepInterval
            }
            if isDraining && connections.isEmpty && !listenerOpen { break }
        }
        for connection in Array(connections.values) { connection.close() }
        if listenerOpen { stopListening() }
        // Jobs that raced with the stop still run, so every waiting stream writer is resumed.
        for job in handle.takeJobs(closing: true) { job(self) }
        context.loopExited()
    }

    private func runJobs() {
        for job in handle.takeJobs(closing: false) { job(self) }
    }

    // MARK: accepting

    private func startListening() {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = EventLoopHandle.listenerToken
        listenerOpen = epoll_ctl(handle.epollFD, EPOLL_CTL_ADD, context.listenFD, &event) == 0
    }

    private func stopListening() {
        if acceptPausedUntil == nil { _ = epoll_ctl(handle.epollFD, EPOLL_CTL_DEL, context.listenFD, nil) }
        close(context.listenFD)
        listenerOpen = false
        acceptPausedUntil = nil
    }

    private func acceptConnections() {
        let counters = context.counters
        // A bounded batch keeps one busy listener from starving the connections already open.
        for _ in 0..<64 {
            let (fd, peer, error) = Socket.accept(context.listenFD)
            if fd < 0 {
                switch error {
                case EINTR, ECONNABORTED, EPROTO: continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // Out of descriptors: a level-triggered listener would spin, so stop accepting for a moment.
                    _ = epoll_ctl(handle.epollFD, EPOLL_CTL_DEL, context.listenFD, nil)
                    acceptPausedUntil = now &+ 100_000_000
                    return
                default: return
                }
            }
            if counters.openConnections.load(ordering: .relaxed) >= context.configuration.limits.maxConnections {
                reject(fd)
                continue
            }
            counters.openConnections.add(1, ordering: .relaxed)
            Socket.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            let target = nextLoop
            nextLoop = (nextLoop + 1) % context.loops.count
            if target == handle.index {
                adopt(fd: fd, peer: peer)
            } else if !context.loops[target].execute({ $0.adopt(fd: fd, peer: peer) }) {
                close(fd)
                counters.openConnections.subtract(1, ordering: .relaxed)
            }
        }
    }

    /// Over the connection limit: a best-effort 503 so the client knows why, then close.
    private func reject(_ fd: Int32) {
        context.counters.rejectedConnections.add(1, ordering: .relaxed)
        var message = Array("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n".utf8)
        message += Array("Content-Length: 25\r\n".utf8)
        message += Array("Connection: close\r\nServer: gantry\r\nDate: ".utf8) + date() + Array("\r\n\r\n".utf8)
        message += Array("too many open connections".utf8)
        _ = message.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        close(fd)
    }

    func adopt(fd: Int32, peer: String?) {
        guard !isDraining else {
            close(fd)
            context.counters.openConnections.subtract(1, ordering: .relaxed)
            return
        }
        let id = nextConnectionID
        nextConnectionID &+= 1
        let connection = Connection(id: id, fd: fd, peer: peer, loop: self)
        guard connection.register() else {
            close(fd)
            context.counters.openConnections.subtract(1, ordering: .relaxed)
            return
        }
        connections[id] = connection
    }

    /// Called by a connection as it closes.
    func forget(_ connection: Connection) {
        connections[connection.id] = nil
        context.counters.openConnections.subtract(1, ordering: .relaxed)
    }

    // MARK: time

    private func sweep() {
        if let until = acceptPausedUntil, now >= until, listenerOpen {
            acceptPausedUntil = nil
            var event = epoll_event()
            event.events = EPOLLIN.rawValue
            event.data.u64 = EventLoopHandle.listenerToken
            _ = epoll_ctl(handle.epollFD, EPOLL_CTL_ADD, context.listenFD, &event)
        }
        if let drainDeadline, now >= drainDeadline {
            for connection in Array(connections.values) { connection.close() }
            return
        }
        for connection in Array(connections.values) { connection.checkDeadlines() }
    }

    /// The Date field value, formatted once per second.
    func date() -> [UInt8] {
        let second = time(nil)
        if second != dateSecond {
            dateSecond = second
            dateBytes = HTTPDate.format(epochSeconds: second)
        }
        return dateBytes
    }

    // MARK: shutdown

    /// Stops accepting, closes idle connections, and lets in-flight requests finish until `deadline`.
    func beginDrain(deadline: UInt64) {
        guard !isDraining else { return }
        drainDeadline = deadline
        if listenerOpen { stopListening() }
        for connection in Array(connections.values) {
            connection.drain(keepStreams: context.configuration.drainStreamsOnShutdown)
        }
    }
}
