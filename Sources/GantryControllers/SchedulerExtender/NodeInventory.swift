// Node facts for the engine: a Node (allocatable, labels, taints, cordon, rack temperature annotation) and its
// DeviceSlice (devices, chip and chassis temperatures, heartbeat) become one `GantryScheduling.NodeSpec`; a
// ResourcePool becomes the policy (packing, thermal limits) its member nodes are scheduled with.

import Foundation
import GantryAPI
import GantryScheduling
import KubeCore

enum NodeInventory {
    /// The engine's view of a node without its devices (see `apply(_:to:)`).
    static func spec(node: Node, pool: String?) -> GantryScheduling.NodeSpec {
        let name = node.metadata.name ?? ""
        let allocatable = node.status?.allocatable ?? node.status?.capacity ?? [:]
        let labels = node.metadata.labels ?? [:]
        let taints = (node.spec?.taints ?? []).map { NodeTaint(key: $0.key, value: $0.value ?? "", effect: $0.effect.rawValue) }
        var rackTemperature: TemperatureReading?
        if let text = node.metadata.annotations?[AnnotationKey.rackTemperature], let c = Double(text), c.isFinite {
            // The annotation carries no time of its own; the node object's freshness is the best we have.
            rackTemperature = TemperatureReading(celsius: c, observedAt: Date())
        }
        return GantryScheduling.NodeSpec(
            name: name,
            cpuMilli: allocatable[ResourceName.cpu]?.milliValue ?? 0,
            memoryBytes: allocatable[ResourceName.memory]?.value ?? 0,
            maxPods: Int(clamping: allocatable[ResourceName.pods]?.value ?? 110),
            labels: labels, taints: taints, pool: pool, rack: labels[LabelKey.rack],
            schedulable: !(node.spec?.unschedulable ?? false), rackTemperature: rackTemperature)
    }

    /// Puts a DeviceSlice's devices and chassis temperature into a node spec. Readings are stamped with the slice's
    /// heartbeat, so a silent node agent turns into stale (unknown) temperatures instead of frozen ones.
    static func apply(_ slice: DeviceSlice?, to spec: inout GantryScheduling.NodeSpec) {
        let heartbeat = slice?.spec.heartbeatTime?.date ?? .distantPast
        var devices: [GantryScheduling.DeviceSpec] = []
        for d in slice?.spec.devices ?? [] where !d.id.isEmpty {
            devices.append(GantryScheduling.DeviceSpec(
                id: d.id, index: Int(d.index), vendor: d.vendor ?? "", model: d.model ?? "",
                memoryMiB: Int(clamping: max(0, d.memoryMiB ?? 0)), cores: Int(min(max(d.cores ?? 100, 1), 100)),
                maxSlices: Int(max(d.maxSlices ?? 1, 1)), healthy: (d.health ?? .healthy) == .healthy,
                temperature: d.temperatureC.flatMap { $0.isFinite ? TemperatureReading(celsius: $0, observedAt: heartbeat) : nil }))
        }
        devices.sort { ($0.index, $0.id) < ($1.index, $1.id) }
        spec.devices = devices
        spec.chassisTemperature = slice?.spec.chassisTemperatureC.flatMap {
            $0.isFinite ? TemperatureReading(celsius: $0, observedAt: heartbeat) : nil
        }
    }

    /// The pool a node belongs to: its `gantry.dev/pool` label (set by the pool controller), else the first pool,
    /// by name, whose selector matches it.
    static func pool(labels: [String: String], pools: [String: ResourcePool]) -> String? {
        if let label = labels[LabelKey.pool], !label.isEmpty { return label }
        return pools.keys.sorted().first { pools[$0]?.spec.nodeSelector.matches(labels) == true }
    }
}

extension GantryScheduling.PoolPolicy {
    /// The engine's policy for a ResourcePool: packing and fragmentation weights from `spec.policy`, limits from
    /// `spec.thermal`. `defaultStaleAfter` (the extender's flag) applies when the pool sets no staleness.
    init(_ pool: ResourcePool, defaultStaleAfter: TimeInterval) {
        let node: NodeOrder? = pool.spec.policy?.node.map { $0 == .spread ? .spread : .binpack }
        let device: DeviceChoice.Order = pool.spec.policy?.device == .spread ? .spread : .binpack
        var thermal = GantryScheduling.ThermalPolicy.disabled
        if let t = pool.spec.thermal {
            // A level without a hard limit is not enforced; a missing soft limit means no penalty band below hard.
            func threshold(_ soft: Double?, _ hard: Double?) -> GantryScheduling.ThermalThreshold? {
                guard let hard else { return nil }
                return GantryScheduling.ThermalThreshold(softC: soft ?? hard, hardC: hard)
            }
            thermal = GantryScheduling.ThermalPolicy(
                chip: threshold(t.chip?.softC, t.chip?.hardC), chassis: threshold(t.chassis?.softC, t.chassis?.hardC),
                rack: threshold(t.rack?.softC, t.rack?.hardC),
                staleAfter: t.staleAfterSeconds.map { TimeInterval(max(1, $0)) } ?? defaultStaleAfter)
        }
        self.init(node: node, device: device, fragmentationAware: pool.spec.policy?.fragmentationAware ?? true, thermal: thermal)
    }
}
