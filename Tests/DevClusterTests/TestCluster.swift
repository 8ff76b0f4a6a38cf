// A dev cluster API server driven by calling its handler directly: JSON in, status and JSON out, and
// watch streams collected frame by frame.

import Foundation
import HTTPServer
import KubeCore
import Synchronization
import Testing

@testable import DevCluster

struct Reply {
    var status: Int
    var headers: HTTPHeaders
    var body: JSONValue
    var raw: [UInt8]

    subscript(_ path: String...) -> JSONValue? { body[path: path] }
    var rv: String { body["metadata"]?["resourceVersion"]?.stringValue ?? "" }
    var reason: String? { body["reason"]?.stringValue }
    var message: String { body["message"]?.stringValue ?? "" }
    var items: [JSONValue] { body["items"]?.arrayValue ?? [] }
    var names: [String] { items.compactMap { $0["metadata"]?["name"]?.stringValue } }
}

struct TestCluster {
    let server: APIServer

    init(options: APIServerOptions = APIServerOptions(), faults: FaultConfig = FaultConfig(), historyCapacity: Int = 10_000) {
        server = APIServer(store: ObjectStore(historyCapacity: historyCapacity), options: options, faults: FaultInjector(faults))
    }

    @discardableResult
    func request(_ method: HTTPMethod, _ target: String, _ body: JSONValue? = nil, contentType: String = "application/json",
                 accept: String = "application/json", rawBody: [UInt8]? = nil) async -> Reply {
        var headers: HTTPHeaders = ["Accept": accept]
        if body != nil || rawBody != nil { headers.add("Content-Type", contentType) }
        let request = HTTPRequest(method: method, target: target, headers: headers,
                                  body: rawBody ?? body.map { JSONWriter.write($0) } ?? [])
        let response = await server.handle(request)
        guard case .bytes(let bytes) = response.body else {
            return Reply(status: response.status, headers: response.headers, body: .null, raw: [])
        }
        return Reply(status: response.status, headers: response.headers, body: (try? JSONParser.parse(bytes)) ?? .null, raw: bytes)
    }

    func get(_ t: String, accept: String = "application/json") async -> Reply { await request(.get, t, accept: accept) }
    func post(_ t: String, _ b: JSONValue) async -> Reply { await request(.post, t, b) }
    func put(_ t: String, _ b: JSONValue) async -> Reply { await request(.put, t, b) }
    func delete(_ t: String, _ b: JSONValue? = nil) async -> Reply { await request(.delete, t, b) }
    func patch(_ t: String, _ b: JSONValue, _ type: String = "application/merge-patch+json") async -> Reply {
        await request(.patch, t, b, contentType: type)
    }

    /// Opens a watch; its frames arrive in the returned stream.
    func watch(_ target: String, accept: String = "application/json") async -> WatchStream {
        let response = await server.handle(HTTPRequest(method: .get, target: target, headers: ["Accept": accept]))
        let stream = WatchStream(status: response.status)
        if case .stream(let body) = response.body {
            stream.task = Task { try? await body(stream) }
        } else if case .bytes(let b) = response.body {
            stream.collect(b)
            stream.finish()
        }
        return stream
    }

    func createCRD(_ crd: JSONValue = TestCluster.widgetCRD) async throws {
        let r = await post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
        try #require(r.status == 201, "\(r.body)")
    }

    /// A namespaced CRD with a status and scale subresource, printer columns, defaults and validation.
    static let widgetCRD: JSONValue = [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": ["name": "widgets.example.dev"],
        "spec": [
            "group": "example.dev", "scope": "Namespaced",
            "names": ["plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"], "categories": ["all"]],
            "versions": [[
                "name": "v1", "served": true, "storage": true,
                "subresources": ["status": [:], "scale": ["specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"]],
                "additionalPrinterColumns": [
                    ["name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"],
                    ["name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"],
                ],
                "schema": ["openAPIV3Schema": [
                    "type": "object",
                    "properties": [
                        "spec": [
                            "type": "object", "required": ["color"],
                            "properties": [
                                "color": ["type": "string", "enum": ["red", "green"]],
                                "replicas": ["type": "integer", "minimum": 0, "maximum": 10, "default": 1],
                                "name": ["type": "string", "maxLength": 5, "pattern": "^[a-z]+$"],
                                "tags": ["type": "array", "maxItems": 2, "items": ["type": "string"]],
                                "free": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                            ],
                        ],
                        "status": [
                            "type": "object",
                            "properties": [
                                "replicas": ["type": "integer"],
                                "conditions": ["type": "array", "items": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]],
                            ],
                        ],
                    ],
                ]],
            ]],
        ],
    ]

    static func widget(_ name: String, color: String = "red", labels: JSONValue? = nil) -> JSONValue {
        var w: JSONValue = ["apiVersion": "example.dev/v1", "kind": "Widget", "metadata": ["name": .string(name)], "spec": ["color": .string(color)]]
        if let labels { w["metadata"]?["labels"] = labels }
        return w
    }

    static func configMap(_ name: String, labels: JSONValue? = nil, data: JSONValue = ["k": "v"]) -> JSONValue {
        var c: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name)], "data": data]
        if let labels { c["metadata"]?["labels"] = labels }
        return c
    }

    static func pod(_ name: String, node: String? = nil) -> JSONValue {
        var p: JSONValue = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)],
                            "spec": ["containers": [["name": "main", "image": "busybox"]]]]
        if let node { p["spec"]?["nodeName"] = .string(node) }
        return p
    }
}

/// Collects a watch stream's frames; `next` waits for the next one with a deadline.
final class WatchStream: HTTPBodyWriter, @unchecked Sendable {
    let status: Int
    var task: Task<Void, Never>?
    private let state = Mutex<(buffer: [UInt8], frames: [JSONValue], done: Bool)>(([], [], false))

    init(status: Int) { self.status = status }

    func write(_ bytes: [UInt8]) async throws { collect(bytes) }

    func collect(_ bytes: [UInt8]) {
        state.withLock { s in
            s.buffer += bytes
            while let nl = s.buffer.firstIndex(of: 0x0A) {
                let line = Array(s.buffer[..<nl])
                s.buffer.removeFirst(nl + 1)
                if let v = try? JSONParser.parse(line) { s.frames.append(v) }
            }
        }
    }

    func finish() { state.withLock { $0.done = true } }

    /// The next frame, or nil if none arrives within `timeout` seconds or the stream ended.
    func next(timeout: Double = 5) async -> JSONValue? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            // (An explicit `.none`: JSONValue is nil-literal expressible, so a bare `nil` would be `.null`.)
            if let f = state.withLock({ s -> JSONValue? in s.frames.isEmpty ? .none : .some(s.frames.removeFirst()) }) { return f }
            try? await Task.sleep(nanoseconds: 2_000_000)
        }
        return nil
    }

    /// Frames until one matches, failing after the deadline.
    func next(where predicate: (JSONValue) -> Bool, timeout: Double = 5) async -> JSONValue? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard let f = await next(timeout: deadline.timeIntervalSinceNow) else { return nil }
            if predicate(f) { return f }
        }
        return nil
    }

    /// Waits until the server ends the stream.
    func ended(timeout: Double = 5) async -> Bool {
        guard let task else { return true }
        let deadline = Date().addingTimeInterval(timeout)
        let finished = Mutex(false)
        let waiter = Task {
            await task.value
            finished.withLock { $0 = true }
        }
        while Date() < deadline {
            if finished.withLock({ $0 }) { return true }
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
        waiter.cancel()
        return false
    }

    func cancel() { task?.cancel() }
}

/// Waits for a condition with a deadline (no timing assertions: only "eventually").
func eventually(timeout: Double = 5, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(nanoseconds: 10_000_000)
    }
    return await condition()
}
