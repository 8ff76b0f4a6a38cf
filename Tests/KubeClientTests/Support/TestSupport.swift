// Shared test fixtures: a small typed kind, temporary directories, and waiting for a condition with a deadline.

import Foundation
import KubeClient
import KubeCore

/// A namespaced custom kind (`widgets.test.gantry.dev`) used to exercise the typed client.
struct Widget: KubeResource, Hashable {
    static let descriptor = ResourceDescriptor(group: "test.gantry.dev", version: "v1", kind: "Widget",
                                               plural: "widgets", namespaced: true)
    var apiVersion: String? = "test.gantry.dev/v1"
    var kind: String? = "Widget"
    var metadata: ObjectMeta
    var spec: Spec?
    var status: WidgetStatus?
    var unknownFields: UnknownFields? = nil

    struct Spec: Codable, Sendable, Hashable {
        var size: Int?
        var color: String?
        var unknownFields: UnknownFields? = nil
    }

    struct WidgetStatus: Codable, Sendable, Hashable {
        var ready: Bool?
        var unknownFields: UnknownFields? = nil
    }

    init(name: String, namespace: String? = "default", size: Int? = nil, color: String? = nil) {
        metadata = ObjectMeta(name: name, namespace: namespace)
        spec = Spec(size: size, color: color)
    }
}

/// A cluster-scoped kind.
struct Gadget: KubeResource, Hashable {
    static let descriptor = ResourceDescriptor(group: "test.gantry.dev", version: "v1", kind: "Gadget",
                                               plural: "gadgets", namespaced: false)
    var metadata: ObjectMeta
    var unknownFields: UnknownFields? = nil
}

enum TestError: Error { case timedOut(String) }

/// Polls `condition` until it holds or `seconds` pass (a deadline, not a timing assertion).
func eventually(_ what: String, seconds: Double = 10, _ condition: @Sendable () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw TestError.timedOut(what)
}

/// A fresh temporary directory, removed by the caller with `removeItem`.
func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "kubeclient-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func write(_ text: String, to path: String) throws {
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}

func jsonLine(_ value: JSONValue) -> [UInt8] {
    JSONWriter.write(value) + [UInt8(ascii: "\n")]
}

func event(_ type: String, _ object: JSONValue) -> JSONValue {
    ["type": .string(type), "object": object]
}

func widgetJSON(_ name: String, rv: String = "1", size: Int64 = 1) -> JSONValue {
    [
        "apiVersion": "test.gantry.dev/v1", "kind": "Widget",
        "metadata": ["name": .string(name), "namespace": "default", "resourceVersion": .string(rv)],
        "spec": ["size": .int(size)],
    ]
}

func statusJSON(code: Int64, reason: String, message: String = "") -> JSONValue {
    ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure", "message": .string(message),
     "reason": .string(reason), "code": .int(code)]
}
