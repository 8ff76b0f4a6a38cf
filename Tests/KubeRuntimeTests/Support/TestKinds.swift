// Test kinds and helpers shared by the KubeRuntime tests.

import Foundation
import KubeCore
import Synchronization
import Testing
@testable import KubeRuntime

/// A namespaced custom kind standing in for a controller's primary resource.
struct Widget: KubeResource, Equatable {
    static let descriptor = ResourceDescriptor(group: "test.gantry.dev", version: "v1", kind: "Widget", plural: "widgets",
                                               namespaced: true)
    var apiVersion: String? = "test.gantry.dev/v1"
    var kind: String? = "Widget"
    var metadata: ObjectMeta
    var spec: Spec?
    var status: WidgetStatus?
    var unknownFields: UnknownFields? = nil

    struct Spec: Codable, Sendable, Equatable {
        var size: Int?
        var node: String?
        var unknownFields: UnknownFields? = nil
    }

    struct WidgetStatus: Codable, Sendable, Equatable {
        var observedSize: Int?
        var observedGeneration: Int64?
        var conditions: [Condition]?
        var unknownFields: UnknownFields? = nil
    }

    init(_ name: String, namespace: String? = "default", rv: String? = "1", generation: Int64? = 1, uid: String? = nil,
         labels: [String: String]? = nil, owner: OwnerReference? = nil, node: String? = nil) {
        metadata = ObjectMeta(name: name, namespace: namespace, uid: uid ?? "uid-\(name)", resourceVersion: rv,
                              generation: generation, labels: labels, ownerReferences: owner.map { [$0] })
        spec = Spec(size: 1, node: node)
    }
}

/// A kind owned by widgets.
struct Part: KubeResource, Equatable {
    static let descriptor = ResourceDescriptor(group: "", version: "v1", kind: "Part", plural: "parts", namespaced: true)
    var metadata: ObjectMeta
    var unknownFields: UnknownFields? = nil

    init(_ name: String, namespace: String? = "default", rv: String = "1", owners: [OwnerReference] = []) {
        metadata = ObjectMeta(name: name, namespace: namespace, uid: "uid-\(name)", resourceVersion: rv,
                              ownerReferences: owners.isEmpty ? nil : owners)
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held. For waiting on real
/// concurrency (never to assert durations).
func eventually(timeout: Duration = .seconds(10), _ condition: @Sendable () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return await condition()
}

/// A thread-safe recorder of values, for handlers and fakes.
final class Recorder<Value: Sendable>: Sendable {
    private let storage = Mutex<[Value]>([])
    init() {}
    func append(_ v: Value) { storage.withLock { $0.append(v) } }
    var values: [Value] { storage.withLock { $0 } }
    var count: Int { storage.withLock { $0.count } }
    func removeAll() { storage.withLock { $0.removeAll() } }
}

/// A value under a lock that concurrent test tasks can share (a local Mutex cannot be captured by them).
final class TestBox<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    @discardableResult
    func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
    var value: Value { mutex.withLock { $0 } }
}
