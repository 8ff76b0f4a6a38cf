// ScriptedTransport: a KubeTransport double for unit tests of code built on the client (watchers,
// controllers). Tests script replies per method and path, feed watch streams by hand or up front, and
// inspect the requests that were sent. Nothing touches the network.

import KubeCore
import Synchronization

public final class ScriptedTransport: KubeTransport {
    /// What a matching request gets.
    public enum Reply: Sendable {
        case response(TransportResponse)
        /// A streaming reply: the status and headers, then whatever the `ScriptedWatch` is fed.
        case stream(ScriptedWatch)
        /// No HTTP response at all.
        case failure(TransportError)
        /// Computed from the request (echo a body, count calls, ...).
        case handler(@Sendable (TransportRequest) async throws -> TransportResponse)

        /// A JSON body with the given status.
        public static func json(_ value: JSONValue, status: Int = 200) -> Reply {
            .response(TransportResponse(status: status, headers: ["Content-Type": "application/json"],
                                        body: JSONWriter.write(value)))
        }

        /// An encodable object (a typed kind, a list) as JSON.
        public static func object<T: Encodable>(_ value: T, status: Int = 200) throws -> Reply {
            .json(try JSONValueEncoder().encode(value), status: status)
        }

        /// An API error: the Status as body, its `code` as HTTP status (500 when unset).
        public static func status(_ status: Status, headers: HeaderFields = HeaderFields()) -> Reply {
            var h = headers
            h.set("Content-Type", "application/json")
            let body = (try? JSONValueEncoder().encodeBytes(status)) ?? []
            return .response(TransportResponse(status: status.code ?? 500, headers: h, body: body))
        }
    }

    private struct Rule: Sendable {
        var method: TransportRequest.Method?
        var path: String
        var query: @Sendable ([QueryItem]) -> Bool
        var replies: [Reply]
        /// The last reply repeats once the others are used up.
        var repeatsLast: Bool
    }

    private let state = Mutex<(rules: [Rule], requests: [TransportRequest])>(([], []))

    public init() {}

    /// Adds replies for requests with this method and path (and query, when `query` is given). Rules are
    /// tried in the order they were added; each reply is used once, in order, and the rule is then spent
    /// unless `repeatLast` is set.
    public func on(_ method: TransportRequest.Method?, _ path: String,
                   query: @escaping @Sendable ([QueryItem]) -> Bool = { _ in true },
                   repeatLast: Bool = false, reply: Reply...) {
        let rule = Rule(method: method, path: path, query: query, replies: reply, repeatsLast: repeatLast)
        state.withLock { $0.rules.append(rule) }
    }

    /// Every request sent so far, in order.
    public var requests: [TransportRequest] { state.withLock { $0.requests } }

    /// Rules that still have unused replies (a test can assert that everything scripted was asked for).
    public var unusedReplyCount: Int {
        state.withLock { s in s.rules.reduce(0) { $0 + ($1.repeatsLast ? max(0, $1.replies.count - 1) : $1.replies.count) } }
    }

    private func take(_ request: TransportRequest) throws -> Reply {
        let reply = state.withLock { s -> Reply? in
            s.requests.append(request)
            for i in s.rules.indices {
                let rule = s.rules[i]
                guard rule.method == nil || rule.method == request.method, rule.path == request.path,
                      rule.query(request.query), !rule.replies.isEmpty else { continue }
                if rule.replies.count == 1 && rule.repeatsLast { return rule.replies[0] }
                return s.rules[i].replies.removeFirst()
            }
            return nil
        }
        guard let reply else {
            throw TransportError(.unscripted, "no scripted reply", request: request.description)
        }
        return reply
    }

    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        try Task.checkCancellation()
        switch try take(request) {
        case .response(let response): return response
        case .failure(let error): throw error
        case .handler(let handler): return try await handler(request)
        case .stream(let watch):
            // A plain request answered by a stream script: collect what was fed until it ends.
            let stream = watch.connect()
            var body: [UInt8] = []
            while let chunk = try await stream.next() { body += chunk }
            return TransportResponse(status: stream.status, headers: stream.headers, body: body)
        }
    }

    public func openStream(_ request: TransportRequest, options: StreamOptions) async throws -> any ResponseStream {
        try Task.checkCancellation()
        switch try take(request) {
        case .stream(let watch): return watch.connect()
        case .response(let response): return ScriptedWatch.finished(response).connect()
        case .failure(let error): throw error
        case .handler(let handler): return ScriptedWatch.finished(try await handler(request)).connect()
        }
    }
}

/// A scripted streaming response. Feed it before or after the client connects; the reader sees the chunks
/// in order, exactly as cut, then the end (clean or failed). `isClosedByClient` tells whether the reader
/// closed or cancelled the stream.
public final class ScriptedWatch: Sendable {
    public let status: Int
    public let headers: HeaderFields
    private let state = Mutex(State())

    private struct State {
        var chunks: [[UInt8]] = []
        var end: Result<Void, TransportError>?
        var waiter: CheckedContinuation<[UInt8]?, any Error>?
        var closedByClient = false
        var connected = false
    }

    public init(status: Int = 200, headers: HeaderFields = ["Content-Type": "application/json"]) {
        self.status = status
        self.headers = headers
    }

    static func finished(_ response: TransportResponse) -> ScriptedWatch {
        let watch = ScriptedWatch(status: response.status, headers: response.headers)
        watch.send(bytes: response.body)
        watch.finish()
        return watch
    }

    /// Raw bytes, cut exactly as given.
    public func send(bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        let waiter = state.withLock { s -> CheckedContinuation<[UInt8]?, any Error>? in
            guard s.end == nil, !s.closedByClient else { return nil }
            if let w = s.waiter {
                s.waiter = nil
                return w
            }
            s.chunks.append(bytes)
            return nil
        }
        waiter?.resume(returning: bytes)
    }

    /// One watch event as a JSON line.
    public func send(_ type: WatchEventType, _ object: JSONValue) {
        var line = JSONWriter.write(.object(["type": .string(type.rawValue), "object": object]))
        line.append(UInt8(ascii: "\n"))
        send(bytes: line)
    }

    /// One watch event carrying an encodable object.
    public func send<T: Encodable>(_ type: WatchEventType, object: T) throws {
        send(type, try JSONValueEncoder().encode(object))
    }

    /// A BOOKMARK event.
    public func sendBookmark(resourceVersion: String, initialEventsEnd: Bool = false) {
        var metadata: JSONValue = ["resourceVersion": .string(resourceVersion)]
        if initialEventsEnd { metadata["annotations"] = [WatchBookmark.initialEventsEndAnnotation: "true"] }
        send(.bookmark, ["kind": "Status", "apiVersion": "v1", "metadata": metadata])
    }

    /// An ERROR event carrying a Status (code 410 for "resourceVersion too old").
    public func sendError(_ status: Status) {
        send(.error, (try? JSONValueEncoder().encode(status)) ?? .null)
    }

    /// Ends the stream cleanly (the server closed the watch).
    public func finish() { end(.success(())) }

    /// Ends the stream with a transport failure (connection reset).
    public func fail(_ error: TransportError) { end(.failure(error)) }

    /// Whether the client closed or cancelled its side.
    public var isClosedByClient: Bool { state.withLock { $0.closedByClient } }

    private func end(_ result: Result<Void, TransportError>) {
        let waiter = state.withLock { s -> CheckedContinuation<[UInt8]?, any Error>? in
            guard s.end == nil else { return nil }
            s.end = result
            let w = s.waiter
            s.waiter = nil
            return w
        }
        switch result {
        case .success: waiter?.resume(returning: nil)
        case .failure(let error): waiter?.resume(throwing: error)
        }
    }

    func connect() -> ScriptedResponseStream { ScriptedResponseStream(watch: self) }

    fileprivate func next() async throws -> [UInt8]? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8]?, any Error>) in
                enum Action { case chunk([UInt8]), end(Result<Void, TransportError>?), cancelled, wait }
                let cancelled = Task.isCancelled
                let action = state.withLock { s -> Action in
                    if cancelled {
                        s.closedByClient = true
                        return .cancelled
                    }
                    if s.closedByClient { return .end(nil) }
                    if !s.chunks.isEmpty { return .chunk(s.chunks.removeFirst()) }
                    if let end = s.end { return .end(end) }
                    s.waiter = continuation
                    return .wait
                }
                switch action {
                case .chunk(let bytes): continuation.resume(returning: bytes)
                case .end(.failure(let error)): continuation.resume(throwing: error)
                case .end: continuation.resume(returning: nil)
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .wait: break
                }
            }
        } onCancel: {
            clientClosed(throwing: CancellationError())
        }
    }

    fileprivate func clientClosed(throwing error: (any Error)? = nil) {
        let waiter = state.withLock { s -> CheckedContinuation<[UInt8]?, any Error>? in
            s.closedByClient = true
            let w = s.waiter
            s.waiter = nil
            return w
        }
        if let error { waiter?.resume(throwing: error) } else { waiter?.resume(returning: nil) }
    }
}

final class ScriptedResponseStream: ResponseStream {
    let watch: ScriptedWatch

    init(watch: ScriptedWatch) { self.watch = watch }

    var status: Int { watch.status }
    var headers: HeaderFields { watch.headers }
    func next() async throws -> [UInt8]? { try await watch.next() }
    func close() { watch.clientClosed() }
}
