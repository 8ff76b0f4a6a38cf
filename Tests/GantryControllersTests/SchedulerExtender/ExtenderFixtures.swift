// Test objects for the extender: Nodes, DeviceSlices, Pods with Gantry requests, a ledger fed with them, and a
// way to call the extender's HTTP handler without sockets.

import Foundation
import GantryAPI
import GantryScheduling
import HTTPServer
import KubeCore
import KubeRuntime
import Testing

@testable import GantryControllers

enum Fixtures {
    static func decode<T: Decodable>(_ type: T.Type, _ value: JSONValue) -> T {
        do { return try JSONValueDecoder().decode(type, from: value) } catch {
            Issue.record("fixture does not decode: \(error)")
            fatalError("fixture")
        }
    }

    static func node(_ name: String, cpu: String = "64", memory: String = "512Gi", pods: Int = 110, pool: String? = "default",
                     rack: String = "rack-0", taints: [JSONValue] = [], unschedulable: Bool = false,
                     annotations: [String: String] = [:]) -> Node {
        var labels: JSONObject = ["kubernetes.io/hostname": .string(name), "topology.gantry.dev/rack": .string(rack)]
        if let pool { labels["gantry.dev/pool"] = .string(pool) }
        var spec: JSONObject = [:]
        if !taints.isEmpty { spec["taints"] = .array(taints) }
        if unschedulable { spec["unschedulable"] = true }
        let allocatable: JSONValue = ["cpu": .string(cpu), "memory": .string(memory), "pods": .string(String(pods))]
        return decode(Node.self, [
            "apiVersion": "v1", "kind": "Node",
            "metadata": ["name": .string(name), "labels": .object(labels), "resourceVersion": "1",
                         "annotations": .object(JSONObject(annotations.map { ($0.key, JSONValue.string($0.value)) }))],
            "spec": .object(spec),
            "status": ["capacity": allocatable, "allocatable": allocatable],
        ])
    }

    /// Device IDs are `<node>-gcu-<i>`.
    static func slice(_ node: String, devices: Int = 4, maxSlices: Int32 = 4, memoryMiB: Int64 = 49_152,
                      temperatures: [Double?]? = nil, chassis: Double? = nil, vendor: String = "enflame", model: String = "enflame-s60",
                      heartbeat: Date = Date(), unhealthy: Set<Int> = []) -> DeviceSlice {
        let list = (0..<devices).map { i in
            Device(id: "\(node)-gcu-\(i)", index: Int32(i), vendor: vendor, model: model, memoryMiB: memoryMiB, cores: 100,
                   maxSlices: maxSlices, health: unhealthy.contains(i) ? .unhealthy : .healthy,
                   temperatureC: temperatures.map { i < $0.count ? $0[i] : nil } ?? 40)
        }
        var s = DeviceSlice(node: node, spec: DeviceSliceSpec(node: node, devices: list, chassisTemperatureC: chassis,
                                                             heartbeatTime: Time(heartbeat)))
        s.metadata.resourceVersion = "1"
        return s
    }

    static func pod(_ name: String, namespace: String = "default", uid: String? = nil, vgcu: Int? = nil, cores: Int? = nil,
                    memoryMiB: Int? = nil, gcu: Int? = nil, gpu: Int? = nil, cpu: String = "1", memory: String = "1Gi",
                    node: String? = nil, devices: String? = nil, labels: [String: String] = [:], annotations: [String: String] = [:],
                    priority: Int32? = nil, phase: String? = nil, schedulerName: String? = nil,
                    tolerations: [JSONValue] = [], rv: String = "1", grace: Int64? = nil) -> Pod {
        var requests: JSONObject = ["cpu": .string(cpu), "memory": .string(memory)]
        if let vgcu { requests["gantry.dev/vgcu"] = .string(String(vgcu)) }
        if let cores { requests["gantry.dev/vgcu-cores"] = .string(String(cores)) }
        if let memoryMiB { requests["gantry.dev/vgcu-memory"] = .string(String(memoryMiB)) }
        if let gcu { requests["enflame.com/gcu"] = .string(String(gcu)) }
        if let gpu { requests["nvidia.com/gpu"] = .string(String(gpu)) }
        var ann = annotations
        if let devices { ann["gantry.dev/devices"] = devices; ann["gantry.dev/node"] = node ?? "" }
        var spec: JSONObject = ["containers": [["name": "main", "image": "busybox", "resources": ["requests": .object(requests)]]]]
        if let node { spec["nodeName"] = .string(node) }
        if let priority { spec["priority"] = .int(Int64(priority)) }
        if let schedulerName { spec["schedulerName"] = .string(schedulerName) }
        if !tolerations.isEmpty { spec["tolerations"] = .array(tolerations) }
        if let grace { spec["terminationGracePeriodSeconds"] = .int(grace) }
        var pod: JSONValue = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": .string(name), "namespace": .string(namespace), "uid": .string(uid ?? "uid-\(namespace)-\(name)"),
                         "resourceVersion": .string(rv), "creationTimestamp": "2026-11-23T08:00:00Z",
                         "labels": .object(JSONObject(labels.map { ($0.key, JSONValue.string($0.value)) })),
                         "annotations": .object(JSONObject(ann.map { ($0.key, JSONValue.string($0.value)) }))],
            "spec": .object(spec),
        ]
        if let phase { pod["status"] = ["phase": .string(phase)] }
        return decode(Pod.self, pod)
    }

    static func gangPod(_ name: String, gang: String, min: Int, vgcu: Int? = nil, cores: Int? = nil, gcu: Int? = nil,
                        namespace: String = "default", node: String? = nil, devices: String? = nil, priority: Int32? = nil,
                        preemptible: Bool = false) -> Pod {
        var labels = ["gantry.dev/gang": gang]
        if preemptible { labels["gantry.dev/preemptible"] = "true" }
        return pod(name, namespace: namespace, vgcu: vgcu, cores: cores, gcu: gcu, node: node, devices: devices, labels: labels,
                   annotations: ["gantry.dev/gang-min": String(min)], priority: priority)
    }

    static func pool(_ name: String, selector: [String: String], chipSoft: Double? = nil, chipHard: Double? = nil,
                     chassisHard: Double? = nil, device: PackingPolicy? = nil, node: PackingPolicy? = nil,
                     staleAfter: Int32? = nil) -> ResourcePool {
        var thermal: PoolThermalPolicy?
        if chipHard != nil || chassisHard != nil {
            thermal = PoolThermalPolicy(chip: chipHard.map { PoolThermalThreshold(softC: chipSoft, hardC: $0) },
                                        chassis: chassisHard.map { PoolThermalThreshold(softC: $0 - 10, hardC: $0) },
                                        staleAfterSeconds: staleAfter)
        }
        return ResourcePool(name: name, spec: ResourcePoolSpec(nodeSelector: LabelSelector(matchLabels: selector), deviceClass: .enflameGCU,
                                                               policy: PoolPolicy(node: node, device: device), thermal: thermal))
    }

    /// A ledger holding `count` nodes n0... with `devices` devices each.
    static func ledger(nodes count: Int, devices: Int = 4, maxSlices: Int32 = 4, cpu: String = "64",
                       configuration: ClusterLedger.Configuration = .init(), podStore: KubeRuntimeStore? = nil,
                       clock: @escaping @Sendable () -> Date = { Date() }) async -> ClusterLedger {
        let ledger = ClusterLedger(configuration: configuration, podStore: podStore, metrics: ExtenderMetrics(), clock: clock)
        for i in 0..<count {
            await ledger.upsertNode(node("n\(i)", cpu: cpu))
            await ledger.upsertSlice(slice("n\(i)", devices: devices, maxSlices: maxSlices))
        }
        return ledger
    }

    /// Per device: cores and slices held in the ledger (from its allocations), for over-allocation checks.
    static func usage(_ byNode: [String: [String: String]]) -> [String: (cores: Int, slices: Int, whole: Int)] {
        var out: [String: (cores: Int, slices: Int, whole: Int)] = [:]
        for (_, pods) in byNode {
            for (_, devices) in pods where !devices.isEmpty {
                for g in (try? Allocation.parseDevicesAnnotation(devices)) ?? [] {
                    var u = out[g.deviceID] ?? (0, 0, 0)
                    u.cores += g.cores
                    if g.cores == 100 { u.whole += 1 } else { u.slices += 1 }
                    out[g.deviceID] = u
                }
            }
        }
        return out
    }
}

typealias KubeRuntimeStore = Store<CachedPod>

/// Calls the extender's handler in process and parses the reply.
struct ExtenderCall {
    let handler: HTTPHandler

    init(_ extender: SchedulerExtender) { handler = extender.handler() }

    func post(_ path: String, _ body: JSONValue) async -> (status: Int, body: JSONValue, raw: String) {
        await post(path, raw: JSONWriter.write(body))
    }

    func post(_ path: String, raw: [UInt8]) async -> (status: Int, body: JSONValue, raw: String) {
        let response = await handler(HTTPRequest(method: .post, target: path, headers: ["Content-Type": "application/json"], body: raw))
        guard case .bytes(let bytes) = response.body else { return (response.status, .null, "") }
        return (response.status, (try? JSONParser.parse(bytes)) ?? .null, String(decoding: bytes, as: UTF8.self))
    }

    func get(_ path: String) async -> (status: Int, body: JSONValue) {
        let response = await handler(HTTPRequest(method: .get, target: path))
        guard case .bytes(let bytes) = response.body else { return (response.status, .null) }
        return (response.status, (try? JSONParser.parse(bytes)) ?? .null)
    }
}

extension Pod {
    var json: JSONValue { (try? JSONValueEncoder().encode(self)) ?? .null }
}

func filterArgs(_ pod: Pod, nodes: [String]) -> JSONValue {
    ["Pod": pod.json, "Nodes": nil, "NodeNames": .array(nodes.map(JSONValue.string))]
}

/// The node a pod is bound to, nil while it is not.
func boundNode(_ pod: Pod?) -> String? {
    guard let n = pod?.spec?.nodeName, !n.isEmpty else { return nil }
    return n
}
