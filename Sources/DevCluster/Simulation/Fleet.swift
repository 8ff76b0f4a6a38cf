// Fleet: the simulated nodes, from a fleet file (YAML, JSON or CSV) or a generator. Each node has CPU, memory, pods and
// extended resources (one per whole device, e.g. `enflame.com/gcu`), pool and rack labels, taints, and a
// device inventory in DeviceSlice shape (id, index, vendor, model, memoryMiB, cores, maxSlices, health,
// temperatureC) published as the node annotation `sim.gantry.dev/devices` until the DeviceSlice kind exists.
//
// Fleet file (YAML or JSON):
//   nodes:
//   - name: gcu-a                 # one node, or `count` nodes named namePrefix-0000...
//     pool: training              # label gantry.dev/pool
//     rack: rack-1                # label topology.gantry.dev/rack (or `racks: N` to spread `count` nodes)
//     cpu: "64"                   # default 64
//     memory: 512Gi               # default 512Gi
//     pods: 110                   # default 110
//     labels: {k: v}
//     taints: [{key: k, value: v, effect: NoSchedule}]
//     devices: {count: 8, model: enflame-s60, memoryMiB: 49152, temperatureC: 40, maxSlices: 4}
//     extendedResources: {example.com/fpga: "2"}

import Foundation
import GantryAPI
import KubeCore

public struct DeviceSpec: Sendable, Equatable {
    public var count: Int
    public var model: String
    public var vendor: String
    public var memoryMiB: Int
    public var temperatureC: Double
    public var maxSlices: Int
    /// The extended resource advertising whole devices.
    public var resource: String

    public init(count: Int, model: String, vendor: String? = nil, memoryMiB: Int? = nil, temperatureC: Double = 40,
                maxSlices: Int = 4, resource: String? = nil) {
        self.count = count
        self.model = model
        let v = vendor ?? DeviceSpec.vendor(of: model)
        self.vendor = v
        self.memoryMiB = memoryMiB ?? (v == "nvidia" ? 81_920 : 49_152)
        self.temperatureC = temperatureC
        self.maxSlices = maxSlices
        self.resource = resource ?? (v == "nvidia" ? "nvidia.com/gpu" : v == "enflame" ? "enflame.com/gcu" : "\(v).com/device")
    }

    static func vendor(of model: String) -> String {
        let m = model.lowercased()
        if m.hasPrefix("nvidia") || m.hasPrefix("a100") || m.hasPrefix("h100") || m.hasPrefix("v100") || m.hasPrefix("t4") { return "nvidia" }
        if m.hasPrefix("enflame") || m.hasPrefix("s60") || m.hasPrefix("i20") || m.hasPrefix("t20") { return "enflame" }
        return m.split(separator: "-").first.map(String.init) ?? m
    }
}

public struct SimulatedNode: Sendable, Equatable {
    public var name: String
    public var pool: String
    public var rack: String
    public var cpu: String = "64"
    public var memory: String = "512Gi"
    public var pods: Int = 110
    public var labels: [String: String] = [:]
    public var taints: [JSONValue] = []
    public var unschedulable = false
    public var devices: DeviceSpec?
    public var extendedResources: [String: String] = [:]

    public init(name: String, pool: String = "default", rack: String = "rack-0", devices: DeviceSpec? = nil) {
        self.name = name
        self.pool = pool
        self.rack = rack
        self.devices = devices
    }

    /// The node's devices as its DeviceSlice reports them.
    public var deviceInventory: [Device] {
        guard let d = devices else { return [] }
        return (0..<d.count).map { i in
            Device(id: "\(name)-\(d.vendor)-\(i)", index: Int32(i), vendor: d.vendor, model: d.model,
                   memoryMiB: Int64(d.memoryMiB), cores: 100, maxSlices: Int32(d.maxSlices), health: .healthy,
                   temperatureC: d.temperatureC)
        }
    }

    /// The DeviceSlice the node agent would publish; nil for a node without devices.
    public func deviceSlice() -> DeviceSlice? {
        guard let d = devices, d.count > 0 else { return nil }
        return DeviceSlice(node: name, spec: DeviceSliceSpec(node: name, devices: deviceInventory,
                                                            chassisTemperatureC: d.temperatureC - 10, heartbeatTime: .now))
    }

    /// The Node object a kubelet would register.
    public func nodeObject(index: Int) -> JSONValue {
        var labels: JSONObject = [
            "kubernetes.io/hostname": .string(name), "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
            "gantry.dev/pool": .string(pool), "topology.gantry.dev/rack": .string(rack),
            "topology.kubernetes.io/zone": .string(rack),
        ]
        if let d = devices { labels["gantry.dev/device-model"] = .string(d.model) }
        for (k, v) in self.labels { labels[k] = .string(v) }
        var capacity: JSONObject = ["cpu": .string(cpu), "memory": .string(memory), "pods": .string(String(pods)),
                                    "ephemeral-storage": "1Ti"]
        if let d = devices, d.count > 0 { capacity[d.resource] = .string(String(d.count)) }
        for (k, v) in extendedResources { capacity[k] = .string(v) }
        let now = JSONValue.string(Time.now.rfc3339)
        func condition(_ type: String, _ status: String, _ reason: String, _ message: String) -> JSONValue {
            ["type": .string(type), "status": .string(status), "lastHeartbeatTime": now, "lastTransitionTime": now,
             "reason": .string(reason), "message": .string(message)]
        }
        var spec: JSONValue = .object(JSONObject())
        if !taints.isEmpty { spec["taints"] = .array(taints) }
        if unschedulable { spec["unschedulable"] = true }
        return [
            "apiVersion": "v1", "kind": "Node",
            "metadata": ["name": .string(name), "labels": .object(labels),
                         "annotations": ["node.alpha.kubernetes.io/ttl": "0"]],
            "spec": spec,
            "status": [
                "capacity": .object(capacity), "allocatable": .object(capacity),
                "conditions": [
                    condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                    condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                    condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
                ],
                "addresses": [["type": "InternalIP", "address": .string("10.\(index / 65536 % 256).\(index / 256 % 256).\(index % 256)")],
                              ["type": "Hostname", "address": .string(name)]],
                "nodeInfo": ["kubeletVersion": "v1.35.0-gantry-sim", "kubeProxyVersion": "v1.35.0-gantry-sim",
                             "operatingSystem": "linux", "architecture": "amd64", "containerRuntimeVersion": "sim://1.0",
                             "osImage": "Gantry simulated node", "kernelVersion": "6.1.0", "machineID": .string(name),
                             "systemUUID": .string(name), "bootID": .string(name)],
                "phase": "Running",
            ],
        ]
    }
}

public enum Fleet {
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// `count` nodes named node-0000..., 16 per rack, all in pool "default".
    public static func generate(count: Int, devicesPerNode: Int, deviceModel: String) -> [SimulatedNode] {
        (0..<count).map { i in
            SimulatedNode(name: String(format: "node-%04d", i), rack: "rack-\(i / 16)",
                     devices: devicesPerNode > 0 ? DeviceSpec(count: devicesPerNode, model: deviceModel) : nil)
        }
    }

    /// Parses a fleet document (already converted from YAML to JSON).
    public static func parse(_ doc: JSONValue) throws -> [SimulatedNode] {
        guard let entries = doc["nodes"]?.arrayValue else { throw Invalid(description: "fleet: missing `nodes` list") }
        var out: [SimulatedNode] = []
        for (i, e) in entries.enumerated() {
            guard e.objectValue != nil else { throw Invalid(description: "fleet: nodes[\(i)] is not an object") }
            let count = Int(e["count"]?.intValue ?? 1)
            guard count >= 1, count <= 100_000 else { throw Invalid(description: "fleet: nodes[\(i)].count must be 1...100000") }
            let prefix = e["namePrefix"]?.stringValue ?? e["name"]?.stringValue ?? "node"
            if e["count"] == nil && e["name"]?.stringValue == nil {
                throw Invalid(description: "fleet: nodes[\(i)] needs a name or a count")
            }
            let racks = min(max(1, Int(e["racks"]?.intValue ?? 1)), count)
            var devices: DeviceSpec?
            if let d = e["devices"] {
                guard let model = d["model"]?.stringValue else { throw Invalid(description: "fleet: nodes[\(i)].devices.model is required") }
                devices = DeviceSpec(count: Int(d["count"]?.intValue ?? 8), model: model, vendor: d["vendor"]?.stringValue,
                                     memoryMiB: d["memoryMiB"]?.intValue.map(Int.init), temperatureC: d["temperatureC"]?.doubleValue ?? 40,
                                     maxSlices: Int(d["maxSlices"]?.intValue ?? 4), resource: d["resource"]?.stringValue)
            }
            for n in 0..<count {
                let name = e["count"] == nil ? prefix : String(format: "%@%04d", prefix.hasSuffix("-") ? prefix : prefix + "-", n)
                let rack = e["rack"]?.stringValue ?? (racks > 1 ? "rack-\(n * racks / count)" : "rack-0")
                var spec = SimulatedNode(name: name, pool: e["pool"]?.stringValue ?? "default", rack: rack, devices: devices)
                if let cpu = e["cpu"] { spec.cpu = cpu.stringValue ?? cpu.intValue.map { String($0) } ?? spec.cpu }
                if let mem = e["memory"]?.stringValue { spec.memory = mem }
                if let pods = e["pods"]?.intValue { spec.pods = Int(pods) }
                for (k, v) in e["labels"]?.objectValue ?? JSONObject() { spec.labels[k] = v.stringValue ?? JSONWriter.string(v) }
                spec.taints = e["taints"]?.arrayValue ?? []
                spec.unschedulable = e["unschedulable"]?.boolValue ?? false
                for (k, v) in e["extendedResources"]?.objectValue ?? JSONObject() {
                    spec.extendedResources[k] = v.stringValue ?? v.intValue.map { String($0) } ?? "0"
                }
                out.append(spec)
            }
        }
        let names = out.map(\.name)
        if Set(names).count != names.count { throw Invalid(description: "fleet: duplicate node names") }
        return out
    }

    public static func load(path: String) throws -> [SimulatedNode] {
        guard let data = FileManager.default.contents(atPath: path) else { throw Invalid(description: "fleet: cannot read \(path)") }
        if path.lowercased().hasSuffix(".csv") { return try parse(try csv(String(decoding: data, as: UTF8.self))) }
        return try parse(try DocumentReader.parse(Array(data)))
    }

    /// A CSV fleet: a header row naming the columns (name, count, namePrefix, pool, rack, racks, cpu, memory,
    /// pods, devices, model, vendor, memoryMiB, temperatureC, maxSlices, labels as `k=v;k=v`, taints as
    /// `key=value:Effect;...`), one row per node or node group. Becomes the YAML form's document.
    public static func csv(_ text: String) throws -> JSONValue {
        let rows = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard let header = rows.first else { throw Invalid(description: "fleet: empty CSV") }
        let columns = header.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let known: Set<String> = ["name", "count", "namePrefix", "pool", "rack", "racks", "cpu", "memory", "pods", "devices",
                                  "model", "vendor", "memoryMiB", "temperatureC", "maxSlices", "labels", "taints"]
        if let unknown = columns.first(where: { !known.contains($0) }) { throw Invalid(description: "fleet: unknown CSV column \(unknown)") }
        var nodes: [JSONValue] = []
        for (i, row) in rows.dropFirst().enumerated() {
            let cells = row.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == columns.count else { throw Invalid(description: "fleet: CSV row \(i + 2) has \(cells.count) cells, expected \(columns.count)") }
            var node = JSONObject()
            var devices = JSONObject()
            for (column, cell) in zip(columns, cells) where !cell.isEmpty {
                func number() throws -> JSONValue {
                    if let n = Int64(cell) { return .int(n) }
                    if let d = Double(cell), d.isFinite { return .double(d) }
                    throw Invalid(description: "fleet: CSV row \(i + 2): \(column) must be a number, got \(cell)")
                }
                switch column {
                case "count", "racks", "pods": node[column] = try number()
                case "devices": devices["count"] = try number()
                case "model", "vendor": devices[column] = .string(cell)
                case "memoryMiB", "temperatureC", "maxSlices": devices[column] = try number()
                case "labels":
                    var labels = JSONObject()
                    for pair in cell.split(separator: ";") {
                        let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
                        guard kv.count == 2 else { throw Invalid(description: "fleet: CSV row \(i + 2): label \(pair) is not k=v") }
                        labels[kv[0]] = .string(kv[1])
                    }
                    node["labels"] = .object(labels)
                case "taints":
                    var taints: [JSONValue] = []
                    for t in cell.split(separator: ";") {
                        let parts = t.split(separator: ":", maxSplits: 1).map(String.init)
                        let kv = parts[0].split(separator: "=", maxSplits: 1).map(String.init)
                        guard parts.count == 2, ["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(parts[1]) else {
                            throw Invalid(description: "fleet: CSV row \(i + 2): taint \(t) is not key=value:Effect")
                        }
                        taints.append(["key": .string(kv[0]), "value": .string(kv.count > 1 ? kv[1] : ""), "effect": .string(parts[1])])
                    }
                    node["taints"] = .array(taints)
                default: node[column] = .string(cell)
                }
            }
            if !devices.isEmpty { node["devices"] = .object(devices) }
            nodes.append(.object(node))
        }
        return ["nodes": .array(nodes)]
    }
}

/// Configuration files: JSON, or YAML once KubeCore reads it.
enum DocumentReader {
    static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        if let json = try? JSONParser.parse(bytes) { return json }
        return try YAMLBridge.parse(bytes)
    }
}
