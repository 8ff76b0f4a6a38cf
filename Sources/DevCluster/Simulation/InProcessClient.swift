// InProcessClient: how the simulators (nodes, kubelet, scheduler shim) talk to the API server: the same
// handler and semantics as any client, without a socket and without fault injection, plus direct watches
// on the store.

import Foundation
import HTTPServer
import KubeCore

struct InProcessClient: Sendable {
    let api: APIServer

    struct Failure: Error, CustomStringConvertible {
        var code: Int
        var reason: String
        var message: String
        var description: String { "\(code) \(reason): \(message)" }
    }

    @discardableResult
    func send(_ method: HTTPMethod, _ path: String, _ body: JSONValue? = nil,
              contentType: String = "application/json") async throws -> JSONValue {
        var headers: HTTPHeaders = ["Accept": "application/json", "User-Agent": "gantry-devcluster"]
        if body != nil { headers.add("Content-Type", contentType) }
        let response = await api.handle(HTTPRequest(method: method, target: path, headers: headers,
                                                    body: body.map { JSONWriter.write($0) } ?? []), bypassFaults: true)
        guard case .bytes(let bytes) = response.body else { return .null }
        let value = (try? JSONParser.parse(bytes)) ?? .null
        guard (200..<300).contains(response.status) else {
            throw Failure(code: response.status, reason: value["reason"]?.stringValue ?? "",
                          message: value["message"]?.stringValue ?? "")
        }
        return value
    }

    func get(_ path: String) async throws -> JSONValue { try await send(.get, path) }

    @discardableResult
    func create(_ path: String, _ object: JSONValue) async throws -> JSONValue { try await send(.post, path, object) }

    @discardableResult
    func mergePatch(_ path: String, _ patch: JSONValue) async throws -> JSONValue {
        try await send(.patch, path, patch, contentType: "application/merge-patch+json")
    }

    @discardableResult
    func delete(_ path: String, gracePeriod: Int64? = nil) async throws -> JSONValue {
        try await send(.delete, path + (gracePeriod.map { "?gracePeriodSeconds=\($0)" } ?? ""))
    }

    /// A watch on a resource from its current state (synthetic ADDED events first).
    func watch(_ key: StorageKey) throws -> Watcher {
        try api.store.watch(key, namespace: nil, start: .currentState, predicate: nil)
    }

    /// A reflector's start: the current objects, and a watch from exactly the version they were listed at,
    /// so a consumer can fill its cache synchronously before acting (kube-scheduler waits for cache sync).
    func listAndWatch(_ key: StorageKey) throws -> ([JSONValue], Watcher) {
        // History could in principle be compacted between the two calls; retry then.
        for _ in 0..<10 {
            let page = api.store.list(key, namespace: nil)
            if let w = try? api.store.watch(key, namespace: nil, start: .after(page.rv), predicate: nil) {
                return (page.items.map(\.object), w)
            }
        }
        return ([], try watch(key))
    }

    static let pods = StorageKey(group: "", resource: "pods")
    static let nodes = StorageKey(group: "", resource: "nodes")

    static func podPath(_ pod: JSONValue, _ sub: String? = nil) -> String {
        let ns = pod["metadata"]?["namespace"]?.stringValue ?? "default"
        let name = pod["metadata"]?["name"]?.stringValue ?? ""
        return "/api/v1/namespaces/\(ns)/pods/\(name)" + (sub.map { "/" + $0 } ?? "")
    }

    /// Posts a core/v1 Event about an object, as kubelet and kube-scheduler do.
    func event(about object: JSONValue, kind: String, type: String, reason: String, message: String,
               component: String, action: String? = nil) async {
        let ns = object["metadata"]?["namespace"]?.stringValue ?? "default"
        let name = object["metadata"]?["name"]?.stringValue ?? ""
        let now = JSONValue.string(Time.now.rfc3339)
        // Repeats of one event (same object, reason and message) count up on one Event, as client-go's
        // event correlator does, instead of piling up (a pod retried every few seconds).
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in "\(object["metadata"]?["uid"]?.stringValue ?? name)|\(reason)|\(message)".utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let eventName = "\(name).\(String(h, radix: 16))"
        let path = "/api/v1/namespaces/\(ns)/events/\(eventName)"
        if let existing = try? await get(path) {
            let count = (existing["count"]?.intValue ?? 1) + 1
            _ = try? await mergePatch(path, ["count": .int(count), "lastTimestamp": now])
            return
        }
        var event: JSONValue = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": ["name": .string(eventName), "namespace": .string(ns)],
            "involvedObject": ["kind": .string(kind), "namespace": .string(ns), "name": .string(name),
                               "uid": object["metadata"]?["uid"] ?? "", "apiVersion": object["apiVersion"] ?? "v1",
                               "resourceVersion": object["metadata"]?["resourceVersion"] ?? ""],
            "reason": .string(reason), "message": .string(message), "type": .string(type),
            "source": ["component": .string(component)], "firstTimestamp": now, "lastTimestamp": now, "count": 1,
            "reportingComponent": .string(component), "reportingInstance": .string(component),
        ]
        if let action { event["action"] = .string(action) }
        _ = try? await create("/api/v1/namespaces/\(ns)/events", event)
    }
}
