// One client connection: reads and parses requests, runs one handler at a time (so pipelined responses go out
// strictly in request order), writes responses and streams, and enforces the per-phase deadlines.
// Confined to its event loop's thread; handler tasks talk to it only through jobs on the loop's handle.

import CEpoll
import Glibc

final class Connection {
    /// Where the connection is in its request/response cycle.
    private enum Phase {
        /// Waiting for (the rest of) a request; the parser knows whether head or body.
        case waiting
        /// The handler task is running.
        case handling(Exchange)
        /// A complete response is queued; the connection moves on once it is written.
        case responding(Exchange)
        /// A streaming response is running; its producer writes through `StreamBodyWriter`.
        case streaming(Exchange)
        /// Output is finished and shut down; reading and discarding until the client closes, so that unread
        /// input does not make the kernel reset the connection before the client has read our last response.
        case lingering(until: UInt64)
    }

    private struct Exchange {
        var generation: UInt64
        var isHead: Bool
        var minorVersion: Int
        var keepAlive: Bool
        /// Decided when the response head is written.
        var closeAfter = false
        var chunked = false
    }

    /// How long a closing connection waits for the client to close first, and how much it reads meanwhile.
    private static let lingerNanos: UInt64 = 2_000_000_000
    private static let lingerMaxBytes = 1 << 20
    /// Input buffered for pipelined requests while a handler runs; past this, reading pauses.
    private static let pipelineBufferLimit = 64 * 1024

    let id: UInt64
    let fd: Int32
    let peer: String?
    unowned let loop: EventLoop

    private var input = InputBuffer()
    private var parser: HTTPRequestParser
    private var outbound = OutboundQueue()
    private var phase = Phase.waiting
    private var interest: UInt32 = 0
    /// Increments per request, so a job from a finished request's task cannot touch the next one.
    private var generation: UInt64 = 0
    private var task: Task<Void, Never>?
    private var peerClosed = false
    private var closeAfterResponse = false
    private var closed = false
    private var continueSent = false
    private var lingerBeforeClose = false
    private var lingered = 0
    private var idleSince: UInt64
    private var requestStartedAt: UInt64?
    private var bodyStartedAt: UInt64?
    private var lastWriteProgress: UInt64

    init(id: UInt64, fd: Int32, peer: String?, loop: EventLoop) {
        self.id = id
        self.fd = fd
        self.peer = peer
        self.loop = loop
        parser = HTTPRequestParser(limits: loop.context.configuration.limits)
        idleSince = loop.now
        lastWriteProgress = loop.now
    }

    func register() -> Bool {
        var event = epoll_event()
        interest = EPOLLIN.rawValue | EPOLLRDHUP.rawValue
        event.events = interest
        event.data.u64 = id
        return epoll_ctl(loop.handle.epollFD, EPOLL_CTL_ADD, fd, &event) == 0
    }

    // MARK: events

    func handle(events: UInt32) {
        if events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 {
            close()
            return
        }
        if events & EPOLLOUT.rawValue != 0 {
            flush()
            if closed { return }
        }
        if events & EPOLLIN.rawValue != 0 {
            readAvailable()
        } else if events & EPOLLRDHUP.rawValue != 0 {
            // Reading is paused (pipeline buffer full) and the client has shut down its side.
            peerDidClose()
        }
        if !closed { updateInterest() }
    }

    private func readAvailable() {
        let buffer = loop.readBuffer
        let n = recv(fd, buffer.baseAddress, buffer.count, 0)
        if n < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return }
            close()
            return
        }
        if n == 0 {
            peerDidClose()
            return
        }
        if case .lingering = phase {
            lingered += n
            if lingered > Self.lingerMaxBytes { close() }
            return
        }
        if input.isEmpty, requestStartedAt == nil, case .waiting = phase { requestStartedAt = loop.now }
        input.append(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        if case .waiting = phase { processInput() }
    }

    private func peerDidClose() {
        peerClosed = true
        switch phase {
        case .handling, .responding:
            // The client may have half-closed after sending its request: answer it, then close.
            break
        case .waiting, .streaming, .lingering:
            // Nothing to answer (an unfinished request cannot be completed), or a stream's reader is gone.
            close()
        }
    }

    private func updateInterest() {
        var wanted: UInt32 = 0
        if !peerClosed {
            wanted |= EPOLLRDHUP.rawValue
            switch phase {
            case .waiting, .lingering: wanted |= EPOLLIN.rawValue
            case .handling, .responding, .streaming:
                if input.readable < Self.pipelineBufferLimit { wanted |= EPOLLIN.rawValue }
            }
        }
        if !outbound.isEmpty { wanted |= EPOLLOUT.rawValue }
        guard wanted != interest else { return }
        var event = epoll_event()
        event.events = wanted
        event.data.u64 = id
        if epoll_ctl(loop.handle.epollFD, EPOLL_CTL_MOD, fd, &event) == 0 {
            interest = wanted
        } else {
            close()
        }
    }

    // MARK: requests

    private func processInput() {
        while case .waiting = phase, !closed {
            if loop.isDraining {
                // Shutdown has begun: this connection takes no new request.
                close()
                return
            }
            switch parser.next(&input) {
            case .needMoreData:
                if parser.isReadingBody {
                    if bodyStartedAt == nil { bodyStartedAt = loop.now }
                    if parser.expectsContinue && !continueSent {
                        continueSent = true
                        enqueue(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
                        flush()
                    }
                } else if input.isEmpty {
                    requestStartedAt = nil
                }
                return
            case .request(let request):
                start(request)
            case .failure(let error):
                fail(error)
            }
        }
    }

    private func start(_ parsed: ParsedRequest) {
        generation &+= 1
        continueSent = false
        requestStartedAt = nil
        bodyStartedAt = nil
        let isHead = parsed.method == .head
        phase = .handling(Exchange(generation: generation, isHead: isHead, minorVersion: parsed.minorVersion,
                                   keepAlive: parsed.keepAlive))
        let request = HTTPRequest(method: parsed.method, target: parsed.target, headers: parsed.headers,
                                  body: parsed.body, remoteAddress: peer)
        let handler = loop.context.handler
        let handle = loop.handle
        let id = self.id
        let generation = self.generation
        task = Task {
            await Connection.serve(request, handler: handler, isHead: isHead, handle: handle, connection: id,
                                   generation: generation)
        }
    }

    /// Runs in the handler's task, off the loop: calls the handler and hands the response to the loop.
    private static func serve(_ request: HTTPRequest, handler: HTTPHandler, isHead: Bool, handle: EventLoopHandle,
                              connection id: UInt64, generation: UInt64) async {
        let response = await handler(request)
        let status = response.status
        let headers = response.headers
        switch response.body {
        case .bytes(let bytes):
            handle.execute { $0.connection(id)?.respond(generation, status: status, headers: headers, body: bytes) }
        case .stream(let produce):
            if isHead || ResponseHead.forbidsBody(status) {
                handle.execute { $0.connection(id)?.respond(generation, status: status, headers: headers, body: nil) }
                return
            }
            guard handle.execute({ $0.connection(id)?.beginStream(generation, status: status, headers: headers) })
            else { return }
            var failed = false
            do {
                try await produce(StreamBodyWriter(handle: handle, connection: id, generation: generation))
            } catch {
                failed = true
            }
            let aborted = failed
            handle.execute { $0.connection(id)?.endStream(generation, aborted: aborted) }
        }
    }

    /// Whether the connection must close after the current response.
    private func mustClose(_ exchange: Exchange, _ headers: HTTPHeaders) -> Bool {
        if !exchange.keepAlive || closeAfterResponse || peerClosed || loop.isDraining { return true }
        return headers.values("Connection").contains { value in
            value.split(separator: ",").contains { $0.trimmingOWS().caseInsensitiveEquals("close") }
        }
    }

    private static func declaredLength(_ headers: HTTPHeaders) -> Int? {
        headers["Content-Length"].flatMap { Int($0.trimmingOWS()) }.flatMap { $0 >= 0 ? $0 : nil }
    }

    /// Statuses a handler may answer with; anything else (1xx would need an upgrade) is a handler bug.
    private static func sanitized(_ status: Int) -> Int { (200...599).contains(status) ? status : 500 }

    /// A complete response; `body` nil means a HEAD-style answer to a stream (head only, no length).
    fileprivate func respond(_ generation: UInt64, status: Int, headers: HTTPHeaders, body: [UInt8]?) {
        guard case .handling(var exchange) = phase, exchange.generation == generation, !closed else { return }
        let status = Self.sanitized(status)
        exchange.closeAfter = mustClose(exchange, headers)
        let framing: ResponseFraming
        if ResponseHead.forbidsBody(status) {
            framing = .none
        } else if let body {
            // For HEAD the handler may give the length of the body it did not send.
            if exchange.isHead, body.isEmpty, let declared = Self.declaredLength(headers) {
                framing = .length(declared)
            } else {
                framing = .length(body.count)
            }
        } else {
            framing = exchange.minorVersion >= 1 ? .chunked : .untilClose
        }
        enqueue(ResponseHead.encode(status: status, headers: headers, framing: framing,
                                            close: exchange.closeAfter,
                                            announceKeepAlive: exchange.minorVersion == 0,
                                            date: loop.date()))
        if let body, !exchange.isHead, !ResponseHead.forbidsBody(status), !body.isEmpty { enqueue(body) }
        phase = .responding(exchange)
        flush()
        if !closed { updateInterest() }
    }

    fileprivate func beginStream(_ generation: UInt64, status: Int, headers: HTTPHeaders) {
        guard case .handling(var exchange) = phase, exchange.generation == generation, !closed else { return }
        if loop.isDraining && !loop.context.configuration.drainStreamsOnShutdown {
            close()
            return
        }
        exchange.chunked = exchange.minorVersion >= 1
        // An HTTP/1.0 client cannot take chunks: the body then ends when the connection closes.
        exchange.closeAfter = mustClose(exchange, headers) || !exchange.chunked
        enqueue(ResponseHead.encode(status: Self.sanitized(status), headers: headers,
                                            framing: exchange.chunked ? .chunked : .untilClose,
                                            close: exchange.closeAfter, announceKeepAlive: false,
                                            date: loop.date()))
        phase = .streaming(exchange)
        loop.context.counters.activeStreams.add(1, ordering: .relaxed)
        flush()
        if !closed { updateInterest() }
    }

    /// One chunk from a stream's producer; `completion` resumes once the socket has taken all of it.
    func streamWrite(_ generation: UInt64, bytes: [UInt8], completion: CheckedContinuation<Void, any Error>) {
        guard case .streaming(let exchange) = phase, exchange.generation == generation, !closed else {
            completion.resume(throwing: HTTPServerError.connectionClosed)
            return
        }
        if exchange.chunked {
            enqueue(Array((String(bytes.count, radix: 16) + "\r\n").utf8))
            enqueue(bytes)
            enqueue(ResponseHead.crlf, completion: completion)
        } else {
            enqueue(bytes, completion: completion)
        }
        flush()
        if !closed { updateInterest() }
    }

    fileprivate func endStream(_ generation: UInt64, aborted: Bool) {
        guard case .streaming(let exchange) = phase, exchange.generation == generation, !closed else { return }
        loop.context.counters.activeStreams.subtract(1, ordering: .relaxed)
        phase = .responding(exchange)
        if aborted {
            // Closing without the last chunk tells the client the body is incomplete.
            close()
            return
        }
        if exchange.chunked { enqueue(Array("0\r\n\r\n".utf8)) }
        flush()
        if !closed { updateInterest() }
    }

    /// Answers a request that could not be read (or took too long), then closes.
    private func fail(_ error: HTTPParseError) {
        generation &+= 1
        // The client may still be sending what was refused (a body too large, the rest of a slow head).
        lingerBeforeClose = true
        input.clear()
        let body = Array("\(error.reason)\n".utf8)
        let headers: HTTPHeaders = ["Content-Type": "text/plain; charset=utf-8"]
        enqueue(ResponseHead.encode(status: error.status, headers: headers, framing: .length(body.count),
                                            close: true, announceKeepAlive: false, date: loop.date()))
        enqueue(body)
        phase = .responding(Exchange(generation: generation, isHead: false, minorVersion: 1, keepAlive: false,
                                     closeAfter: true))
        flush()
    }

    // MARK: writing

    private func enqueue(_ bytes: [UInt8], completion: CheckedContinuation<Void, any Error>? = nil) {
        // The write-stall clock starts when bytes are queued, not at the last write of an earlier response.
        if outbound.isEmpty { lastWriteProgress = loop.now }
        outbound.append(bytes, completion: completion)
    }

    private func flush() {
        while !closed && !outbound.isEmpty {
            let n = outbound.send(to: fd)
            if n > 0 {
                lastWriteProgress = loop.now
                continue
            }
            if n == -EAGAIN || n == -EWOULDBLOCK { break }
            if n == -EINTR { continue }
            close()
            return
        }
        if !closed && outbound.isEmpty { outboundDrained() }
    }

    private func outboundDrained() {
        guard case .responding(let exchange) = phase else { return }
        loop.context.counters.requestsCompleted.add(1, ordering: .relaxed)
        task = nil
        if exchange.closeAfter {
            closeAfterSending()
            return
        }
        phase = .waiting
        idleSince = loop.now
        if !input.isEmpty { requestStartedAt = loop.now }
        processInput()
        // A client that half-closed gets answers to what it sent, and then nothing more can come.
        if case .waiting = phase, peerClosed { close() }
    }

    private func closeAfterSending() {
        // Closing with unread input makes the kernel send a reset, which can destroy the response before the
        // client reads it; only then is lingering needed.
        if peerClosed || (!lingerBeforeClose && input.isEmpty && !parser.isReadingBody) {
            close()
            return
        }
        _ = shutdown(fd, Int32(SHUT_WR))
        input.clear()
        phase = .lingering(until: loop.now &+ Self.lingerNanos)
        updateInterest()
    }

    // MARK: lifecycle

    /// Shutdown has begun: idle connections close now, busy ones after their response.
    func drain(keepStreams: Bool) {
        switch phase {
        case .waiting, .lingering: close()
        case .handling, .responding: closeAfterResponse = true
        case .streaming:
            if keepStreams { closeAfterResponse = true } else { close() }
        }
    }

    func checkDeadlines() {
        let now = loop.now
        let context = loop.context
        if !outbound.isEmpty && now &- lastWriteProgress > context.writeStallTimeout {
            context.counters.timedOutConnections.add(1, ordering: .relaxed)
            close()
            return
        }
        switch phase {
        case .waiting:
            if parser.isReadingBody, let started = bodyStartedAt, now &- started > context.bodyTimeout {
                context.counters.timedOutConnections.add(1, ordering: .relaxed)
                fail(HTTPParseError(408, "request body not received in time"))
            } else if !parser.isReadingBody, let started = requestStartedAt, now &- started > context.headerTimeout {
                context.counters.timedOutConnections.add(1, ordering: .relaxed)
                fail(HTTPParseError(408, "request header not received in time"))
            } else if !parser.isReadingBody && input.isEmpty && requestStartedAt == nil
                        && now &- idleSince > context.idleTimeout {
                close()
            }
        case .lingering(let until):
            if now >= until { close() }
        case .handling, .responding, .streaming:
            break
        }
        if !closed { updateInterest() }
    }

    func close() {
        guard !closed else { return }
        closed = true
        _ = epoll_ctl(loop.handle.epollFD, EPOLL_CTL_DEL, fd, nil)
        Glibc.close(fd)
        if case .streaming = phase { loop.context.counters.activeStreams.subtract(1, ordering: .relaxed) }
        outbound.failAll(HTTPServerError.connectionClosed)
        // A handler or stream producer still running learns that its client is gone.
        task?.cancel()
        task = nil
        loop.forget(self)
    }
}

/// Writes a streaming response's chunks through the connection's loop, resuming the producer only once the
/// socket has taken each chunk: a reader that stops reading suspends its producer instead of growing memory.
struct StreamBodyWriter: HTTPBodyWriter {
    let handle: EventLoopHandle
    let connection: UInt64
    let generation: UInt64

    func write(_ bytes: [UInt8]) async throws {
        // An empty chunk would end a chunked body, so there is nothing to send.
        guard !bytes.isEmpty else { return }
        try Task.checkCancellation()
        let (connection, generation, handle) = (self.connection, self.generation, self.handle)
        try await withCheckedThrowingContinuation { (completion: CheckedContinuation<Void, any Error>) in
            let queued = handle.execute { loop in
                if let c = loop.connection(connection) {
                    c.streamWrite(generation, bytes: bytes, completion: completion)
                } else {
                    completion.resume(throwing: HTTPServerError.connectionClosed)
                }
            }
            if !queued { completion.resume(throwing: HTTPServerError.connectionClosed) }
        }
    }
}

/// Bytes waiting for the socket, each piece optionally carrying a continuation to resume once it is sent.
/// Small pieces are merged into the previous one, so a small response leaves in a single `send`.
struct OutboundQueue {
    private struct Piece {
        var bytes: [UInt8]
        var completion: CheckedContinuation<Void, any Error>?
    }

    private var pieces: [Piece] = []
    private var head = 0
    private var offset = 0

    var isEmpty: Bool { head == pieces.count }

    mutating func append(_ bytes: [UInt8], completion: CheckedContinuation<Void, any Error>? = nil) {
        if bytes.isEmpty {
            completion?.resume()
            return
        }
        if head < pieces.count, pieces[pieces.count - 1].completion == nil, bytes.count <= 16 * 1024,
           pieces[pieces.count - 1].bytes.count + bytes.count <= 64 * 1024 {
            pieces[pieces.count - 1].bytes.append(contentsOf: bytes)
            pieces[pieces.count - 1].completion = completion
            return
        }
        pieces.append(Piece(bytes: bytes, completion: completion))
    }

    /// Sends from the first piece; returns bytes sent, or a negated errno.
    mutating func send(to fd: Int32) -> Int {
        guard head < pieces.count else { return 0 }
        let start = offset
        let n = pieces[head].bytes.withUnsafeBytes { raw -> Int in
            guard let base = raw.baseAddress else { return 0 }
            let r = Glibc.send(fd, base + start, raw.count - start, Int32(MSG_NOSIGNAL))
            return r < 0 ? -Int(errno) : r
        }
        guard n > 0 else { return n }
        offset += n
        if offset == pieces[head].bytes.count {
            let done = pieces[head].completion
            pieces[head] = Piece(bytes: [], completion: nil)
            head += 1
            offset = 0
            if head == pieces.count {
                pieces.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 64 {
                pieces.removeFirst(head)
                head = 0
            }
            done?.resume()
        }
        return n
    }

    mutating func failAll(_ error: any Error) {
        let waiting = pieces[head...].compactMap(\.completion)
        pieces = []
        head = 0
        offset = 0
        for c in waiting { c.resume(throwing: error) }
    }
}
