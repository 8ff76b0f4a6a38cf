// FakeAPIServer: just enough of a Kubernetes API server on the real HTTPServer (loopback, port 0) to drive the
// runtime over real libcurl: namespaced collections under /api and /apis, list with limit/continue,
// watch streams from a resourceVersion (replayed from an event log) with bookmarks, 410 for versions older
// than the compaction point, create/get/put (+status)/patch (JSON patch with `test`, merge)/delete with
// resourceVersion conflicts. Tests can drop all watches, compact the log and inject one-shot errors.

import Foundation
import HTTPServer
import KubeClient
import KubeCore
import Synchronization

final class FakeAPIServer: Sendable {
    enum StreamItem: Sendable {
        case bytes([UInt8])
        /// Abort the response without its final chunk: the client sees a broken connection.
        case drop
    }

    private struct Watcher {
        var collection: String
        var bookmarks: Bool
        var continuation: AsyncStream<StreamItem>.Continuation
    }

    private struct State {
        var rv = 100
        var uid = 0
        var collections: [String: [String: JSONValue]] = [:]
        var log: [(rv: Int, collection: String, type: String, object: JSONValue)] = []
        var compactedBelow = 0
        var watchers: [UInt64: Watcher] = [:]
        var nextWatcher: UInt64 = 0
        var requests: [String] = []
        var faults: [(method: String, suffix: String, status: Status)] = []
        var refuseWatches = false
    }

    private let state = Mutex(State())
    private let server: LockedServer

    init() throws {
        server = LockedServer()
        let httpServer = try HTTPServer(configuration: .init(host: "127.0.0.1", port: 0)) { [weak self] request in
            guard let self else { return .text("gone", status: 503) }
            return self.handle(request)
        }
        server.start(httpServer)
    }

    var baseURL: String { "http://127.0.0.1:\(server.port)" }

    func client() throws -> KubeClient {
        try KubeClient(configuration: ClientConfiguration(server: baseURL, requestTimeout: .seconds(10), connectTimeout: .seconds(5)))
    }

    func stop() { server.stop() }

    deinit { server.stop() }

    // MARK: Test controls

    /// "METHOD /path?query" of every request so far.
    var requests: [String] { state.withLock { $0.requests } }

    /// Open watch streams.
    var watchCount: Int { state.withLock { $0.watchers.count } }

    var resourceVersion: Int { state.withLock { $0.rv } }

    /// Stores an object directly (as another client would), emitting ADDED or MODIFIED.
    @discardableResult
    func put(_ collection: String, _ object: JSONValue) -> JSONValue {
        state.withLock { s in Self.store(&s, collection, object, type: nil) }
    }

    func remove(_ collection: String, _ name: String) {
        state.withLock { s in
            guard let old = s.collections[collection]?.removeValue(forKey: name) else { return }
            s.rv += 1
            var gone = old
            gone["metadata"]?["resourceVersion"] = .string(String(s.rv))
            Self.emit(&s, collection, "DELETED", gone)
        }
    }

    func object(_ collection: String, _ name: String) -> JSONValue? { state.withLock { $0.collections[collection]?[name] } }

    /// Breaks every open watch connection.
    func dropWatches() {
        let all = state.withLock { s -> [Watcher] in
            defer { s.watchers = [:] }
            return Array(s.watchers.values)
        }
        for w in all {
            w.continuation.yield(.drop)
            w.continuation.finish()
        }
    }

    /// While set, watch requests get 503 (the client backs off and retries): a window to change things while
    /// every watcher is disconnected.
    func refuseWatches(_ refuse: Bool) { state.withLock { $0.refuseWatches = refuse } }

    /// Forgets history: a watch from a version older than the current one gets 410 Gone.
    func compact() { state.withLock { $0.compactedBelow = $0.rv } }

    /// Sends a BOOKMARK with the current version to watches that asked for bookmarks.
    func sendBookmarks() {
        state.withLock { s in
            let line = Self.line("BOOKMARK", ["kind": "Widget", "metadata": ["resourceVersion": .string(String(s.rv))]])
            for w in s.watchers.values where w.bookmarks { w.continuation.yield(.bytes(line)) }
        }
    }

    /// The next request with this method whose path ends with `suffix` fails with `status`.
    func failNext(_ method: String, pathSuffix: String, with status: Status) {
        state.withLock { $0.faults.append((method, pathSuffix, status)) }
    }

    // MARK: Serving

    private func handle(_ request: HTTPRequest) -> HTTPResponse {
        let method = request.method.rawValue
        let path = request.path
        let fault = state.withLock { s -> Status? in
            s.requests.append("\(method) \(request.target)")
            guard let i = s.faults.firstIndex(where: { $0.method == method && path.hasSuffix($0.suffix) }) else { return nil }
            return s.faults.remove(at: i).status
        }
        if let fault { return Self.status(fault) }
        let segments = path.split(separator: "/").map(String.init)
        // /api/v1/namespaces/ns/plural[/name[/sub]] or /apis/g/v/namespaces/ns/plural[/name[/sub]]
        let base = segments.first == "api" ? 5 : 6
        guard segments.count >= base, segments[base - 3] == "namespaces" else { return Self.status(404, "NotFound", "no route") }
        let collection = "/" + segments[0..<base].joined(separator: "/")
        let name = segments.count > base ? segments[base] : nil
        let subresource = segments.count > base + 1 ? segments[base + 1] : nil
        switch (method, name) {
        case ("GET", nil) where request.query("watch") == "true" || request.query("watch") == "1":
            if state.withLock({ $0.refuseWatches }) { return Self.status(503, "ServiceUnavailable", "try again") }
            return watch(collection, request)
        case ("GET", nil): return list(collection, request)
        case ("GET", let name?): return get(collection, name)
        case ("POST", nil): return create(collection, request)
        case ("PUT", let name?): return replace(collection, name, subresource: subresource, request)
        case ("PATCH", let name?): return patch(collection, name, request)
        case ("DELETE", let name?):
            return state.withLock { s in
                guard var old = s.collections[collection]?[name] else { return Self.status(404, "NotFound", "\(name) not found") }
                if old["metadata"]?["finalizers"]?.arrayValue?.isEmpty == false {
                    // Finalizers hold the object: it is only marked for deletion.
                    if old["metadata"]?["deletionTimestamp"] == nil {
                        // As the API server does (rest.BeforeDelete), marking for deletion bumps the generation.
                        old["metadata"]?["deletionTimestamp"] = .string(Time.now.rfc3339)
                        let generation = old["metadata"]?["generation"]?.intValue ?? 0
                        old["metadata"]?["generation"] = .int(generation + 1)
                        old = Self.store(&s, collection, old, type: "MODIFIED", keepGeneration: true)
                    }
                    return .json(JSONWriter.write(old))
                }
                s.collections[collection]?[name] = nil
                s.rv += 1
                old["metadata"]?["resourceVersion"] = .string(String(s.rv))
                Self.emit(&s, collection, "DELETED", old)
                return .json(JSONWriter.write(old))
            }
        default: return Self.status(405, "MethodNotAllowed", "\(method) \(path)")
        }
    }

    private func list(_ collection: String, _ request: HTTPRequest) -> HTTPResponse {
        state.withLock { s in
            let all = (s.collections[collection] ?? [:]).sorted { $0.key < $1.key }.map(\.value)
            let offset = request.query("continue").flatMap { Int($0) } ?? 0
            let limit = request.query("limit").flatMap { Int($0) } ?? all.count
            let page = Array(all.dropFirst(offset).prefix(limit))
            var meta: JSONObject = ["resourceVersion": .string(String(s.rv))]
            if offset + page.count < all.count { meta["continue"] = .string(String(offset + page.count)) }
            let body: JSONValue = ["kind": "List", "apiVersion": "v1", "metadata": .object(meta), "items": .array(page)]
            return .json(JSONWriter.write(body))
        }
    }

    private func get(_ collection: String, _ name: String) -> HTTPResponse {
        guard let object = object(collection, name) else { return Self.status(404, "NotFound", "\(name) not found") }
        return .json(JSONWriter.write(object))
    }

    private func create(_ collection: String, _ request: HTTPRequest) -> HTTPResponse {
        guard let body = try? JSONParser.parse(request.body), let name = body["metadata"]?["name"]?.stringValue else {
            return Self.status(400, "BadRequest", "no name")
        }
        return state.withLock { s in
            if s.collections[collection]?[name] != nil { return Self.status(409, "AlreadyExists", "\(name) already exists") }
            return .json(JSONWriter.write(Self.store(&s, collection, body, type: "ADDED")), status: 201)
        }
    }

    private func replace(_ collection: String, _ name: String, subresource: String?, _ request: HTTPRequest) -> HTTPResponse {
        guard let body = try? JSONParser.parse(request.body) else { return Self.status(400, "BadRequest", "bad body") }
        return state.withLock { s in
            guard let existing = s.collections[collection]?[name] else { return Self.status(404, "NotFound", "\(name) not found") }
            if let rv = body["metadata"]?["resourceVersion"]?.stringValue, rv != existing["metadata"]?["resourceVersion"]?.stringValue {
                return Self.status(409, "Conflict",
                                   "Operation cannot be fulfilled on \(name): the object has been modified; please apply your changes to the latest version and try again")
            }
            var updated = existing
            if subresource == "status" {
                updated["status"] = body["status"]
            } else {
                updated = body
                updated["status"] = existing["status"]
            }
            return .json(JSONWriter.write(Self.store(&s, collection, updated, type: "MODIFIED")))
        }
    }

    private func patch(_ collection: String, _ name: String, _ request: HTTPRequest) -> HTTPResponse {
        guard let body = try? JSONParser.parse(request.body) else { return Self.status(400, "BadRequest", "bad body") }
        return state.withLock { s in
            guard let existing = s.collections[collection]?[name] else { return Self.status(404, "NotFound", "\(name) not found") }
            let patched: JSONValue
            if request.headers["Content-Type"] == "application/json-patch+json" {
                do {
                    patched = try JSONValueDecoder().decode(JSONPatch.self, from: body).apply(to: existing)
                } catch {
                    return Self.status(422, "Invalid", "the server rejected our request: \(error)")
                }
            } else {
                patched = JSONMergePatch.apply(body, to: existing)
            }
            return .json(JSONWriter.write(Self.store(&s, collection, patched, type: "MODIFIED")))
        }
    }

    private func watch(_ collection: String, _ request: HTTPRequest) -> HTTPResponse {
        let from = Int(request.query("resourceVersion") ?? "") ?? 0
        let bookmarks = request.query("allowWatchBookmarks") == "true"
        let (stream, continuation) = AsyncStream<StreamItem>.makeStream()
        let expired = state.withLock { s -> Bool in
            if from < s.compactedBelow { return true }
            for entry in s.log where entry.collection == collection && entry.rv > from {
                continuation.yield(.bytes(Self.line(entry.type, entry.object)))
            }
            s.nextWatcher += 1
            s.watchers[s.nextWatcher] = Watcher(collection: collection, bookmarks: bookmarks, continuation: continuation)
            return false
        }
        if expired {
            let status = Status(message: "too old resource version: \(from)", reason: "Expired", code: 410)
            let line = Self.line("ERROR", (try? JSONValueEncoder().encode(status)) ?? .null)
            return HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: .stream { writer in
                try await writer.write(line)
            })
        }
        return HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: .stream { writer in
            for await item in stream {
                switch item {
                case .bytes(let b): try await writer.write(b)
                case .drop: throw CancellationError()
                }
            }
        })
    }

    // MARK: Helpers

    private static func store(_ s: inout State, _ collection: String, _ object: JSONValue, type: String?,
                              keepGeneration: Bool = false) -> JSONValue {
        var object = object
        let name = object["metadata"]?["name"]?.stringValue ?? ""
        let existing = s.collections[collection]?[name]
        s.rv += 1
        object["metadata"]?["resourceVersion"] = .string(String(s.rv))
        if object["metadata"]?["uid"] == nil {
            s.uid += 1
            object["metadata"]?["uid"] = existing?["metadata"]?["uid"] ?? .string("uid-\(s.uid)")
        }
        // Like the API server: generation counts spec changes.
        let generation = existing?["metadata"]?["generation"]?.intValue ?? 0
        let specChanged = existing == nil || existing?["spec"] != object["spec"]
        if !keepGeneration { object["metadata"]?["generation"] = .int(specChanged ? generation + 1 : max(generation, 1)) }
        s.collections[collection, default: [:]][name] = object
        emit(&s, collection, type ?? (existing == nil ? "ADDED" : "MODIFIED"), object)
        // The last finalizer removed from an object being deleted: it goes.
        if object["metadata"]?["deletionTimestamp"] != nil, object["metadata"]?["finalizers"]?.arrayValue?.isEmpty ?? true {
            s.collections[collection]?[name] = nil
            s.rv += 1
            var gone = object
            gone["metadata"]?["resourceVersion"] = .string(String(s.rv))
            emit(&s, collection, "DELETED", gone)
        }
        return object
    }

    private static func emit(_ s: inout State, _ collection: String, _ type: String, _ object: JSONValue) {
        s.log.append((s.rv, collection, type, object))
        let line = line(type, object)
        for w in s.watchers.values where w.collection == collection { w.continuation.yield(.bytes(line)) }
    }

    private static func line(_ type: String, _ object: JSONValue) -> [UInt8] {
        JSONWriter.write(["type": .string(type), "object": object]) + [0x0A]
    }

    private static func status(_ code: Int, _ reason: String, _ message: String) -> HTTPResponse {
        status(Status(message: message, reason: reason, code: code))
    }

    private static func status(_ status: Status) -> HTTPResponse {
        .json((try? JSONValueEncoder().encodeBytes(status)) ?? [], status: status.code ?? 500)
    }
}

/// The HTTP server, started once and stopped once.
final class LockedServer: Sendable {
    private let state = Mutex<(server: HTTPServer?, task: Task<Void, any Error>?)>((nil, nil))

    func start(_ server: HTTPServer) {
        state.withLock { $0 = (server, Task { try await server.run() }) }
    }

    var port: Int { state.withLock { $0.server?.port ?? 0 } }

    func stop() { state.withLock { $0.server }?.shutdown(gracePeriod: .milliseconds(100)) }
}
