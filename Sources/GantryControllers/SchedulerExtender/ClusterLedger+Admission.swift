// The queue gate (DESIGN §6.1) as the extender applies it to one pod charged to a Quota (`gantry.dev/quota`):
// 1. hard limits: the quota and every quota above it keep `limit` for what the pod is charged, in the Quota's own
//    resource names (GantryAPI's QuotaCharge rules: vgcu, vgcu × cores, vgcu × memory, whole devices, cpu,
//    memory), counting every pod of the subtree that holds shares — bound, binding, or reserved for a gang;
// 2. fair share: a quota at or over its fair share (the engine's weighted water-filling and DRF over cpu,
//    memory and device units) takes no more while another quota below its share has pods waiting.
// Both are unresolvable for kube-scheduler: evicting pods on a node does not give a quota headroom.

import Foundation
import GantryAPI
import GantryScheduling
import KubeCore

struct QuotaGateVerdict: Sendable, Equatable {
    var reason: String
    var resolvable: Bool
}

extension ClusterLedger {
    func admissionGate(_ f: PodFacts, now: Date) -> QuotaGateVerdict? {
        guard let quota = f.quota else { return nil }
        guard quotas[quota] != nil else { return QuotaGateVerdict(reason: "quota \(quota) does not exist", resolvable: false) }
        if let why = overLimit(f, quota: quota) { return QuotaGateVerdict(reason: why, resolvable: false) }
        if let why = overFairShare(f, quota: quota) { return QuotaGateVerdict(reason: why, resolvable: false) }
        return nil
    }

    /// The quota and its ancestors, nearest first; a cycle ends the walk.
    func quotaChain(_ quota: String) -> [String] {
        var chain: [String] = []
        var next: String? = quota
        while let q = next, let object = quotas[q], !chain.contains(q) {
            chain.append(q)
            next = object.spec.parent.flatMap { $0.isEmpty ? nil : $0 }
        }
        return chain
    }

    func overLimit(_ f: PodFacts, quota: String) -> String? {
        let chain = quotaChain(quota)
        let limited = chain.filter { q in quotas[q]?.spec.resources?.values.contains { $0.limit != nil } == true }
        guard !limited.isEmpty else { return nil }
        let want = Self.charge(f.request, grants: nil)
        // Subtree usage of each limited quota: every quota's own charges added to it and its ancestors.
        let wanted = Set(limited)
        var subtree: [String: [String: Int64]] = [:]
        for (q, charges) in quotaCharges {
            for a in quotaChain(q) where wanted.contains(a) {
                for (k, v) in charges { subtree[a, default: [:]][k, default: 0] += v }
            }
        }
        for q in limited {
            for (name, resource) in (quotas[q]?.spec.resources ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard let limit = resource.limit, let need = want[name], need > 0 else { continue }
                let used = subtree[q]?[name] ?? 0
                let cap = Self.amount(limit, name)
                if used + need > cap {
                    return "quota \(q): \(name) \(Self.show(used, name))/\(Self.show(cap, name)) used, pod needs \(Self.show(need, name))"
                }
            }
        }
        return nil
    }

    /// Over its fair share while a quota below its own has pods waiting: the engine's FairShare over the tree.
    func overFairShare(_ f: PodFacts, quota: String) -> String? {
        guard pendingDemand.keys.contains(where: { $0 != quota }) else { return nil }
        // A broken tree (cycle, missing parent) is the quota controller's to report; limits still apply.
        guard let tree = queueTree() else { return nil }
        guard tree.isLeaf(quota) else { return nil }
        let fair = FairShare(tree: tree, capacity: clusterCapacity())
        let mine = fair.usageRatio((quotaUsage[quota] ?? .zero) + ResourceVector(f.request), queue: quota)
        guard mine > 1 + 1e-9 else { return nil }
        let waiting = pendingDemand.keys.filter { q in
            q != quota && tree.isLeaf(q) && (tree.queues[q]?.open ?? false) && fair.usageRatio(quotaUsage[q] ?? .zero, queue: q) < 1
        }.sorted()
        guard let other = waiting.first else { return nil }
        return "quota \(quota) would be at \(Int((mine * 100).rounded()))% of its fair share while quota \(other) waits below its own"
    }

    /// The quota tree in engine terms with what each quota holds and waits for now; nil if the Quotas do not form one.
    func queueTree() -> QueueTree? {
        var specs: [QueueSpec] = []
        for (name, q) in quotas {
            specs.append(QueueSpec(
                name: name, parent: q.spec.parent.flatMap { $0.isEmpty ? nil : $0 }, weight: Double(q.spec.weight ?? 1),
                guaranteed: Self.vector(q.spec.resources, \.guaranteed) ?? .zero, deserved: Self.vector(q.spec.resources, \.deserved),
                limit: Self.vector(q.spec.resources, \.limit) ?? .zero, priority: Int(q.spec.priority ?? 0),
                open: (q.spec.state ?? .open).dispatches, canBorrow: q.spec.preemption?.borrowWhenIdle ?? true,
                createdAt: q.metadata.creationTimestamp?.date ?? Date(timeIntervalSince1970: 0),
                allocated: quotaUsage[name] ?? .zero,
                pending: (pendingDemand[name] ?? [:]).values.reduce(ResourceVector.zero, +)))
        }
        return try? QueueTree(specs)
    }

    /// Cluster capacity in engine units (healthy devices, cpu, memory), recomputed only when nodes change.
    func clusterCapacity() -> ResourceVector {
        if let c = capacityCache, c.version == nodesVersion { return c.capacity }
        var cpu = 0.0, memory = 0.0, devices = 0.0
        var byVendor: [String: Double] = [:]
        for slot in ledger.activeSlots {
            let n = ledger.nodes[slot]
            cpu += Double(n.spec.cpuMilli)
            memory += Double(n.spec.memoryBytes)
            for d in n.spec.devices where d.healthy {
                let units = Double(d.cores) / 100
                devices += units
                byVendor["\(ResourceVector.devices)/\(d.vendor)", default: 0] += units
            }
        }
        var values = byVendor
        values[ResourceVector.cpu] = cpu
        values[ResourceVector.memory] = memory
        values[ResourceVector.devices] = devices
        let capacity = ResourceVector(values)
        capacityCache = (nodesVersion, capacity)
        return capacity
    }

    /// A Quota amount map in engine units: cpu (milli), memory (bytes), devices (vgcu-cores / 100 + whole devices),
    /// and per vendor. nil when the quota sets none of them.
    static func vector(_ resources: [String: QuotaResource]?, _ field: KeyPath<QuotaResource, Quantity?>) -> ResourceVector? {
        guard let resources else { return nil }
        var v: [String: Double] = [:]
        var any = false
        func take(_ name: String) -> Double? {
            guard let q = resources[name]?[keyPath: field] else { return nil }
            any = true
            return q.approximateDoubleValue
        }
        if let c = take(ResourceName.cpu) { v[ResourceVector.cpu] = c * 1000 }
        if let m = take(ResourceName.memory) { v[ResourceVector.memory] = m }
        let slices = take(ResourceName.vgcuCores).map { $0 / 100 }
        let gcu = take(ResourceName.enflameGCU)
        let gpu = take(ResourceName.nvidiaGPU)
        if slices != nil || gcu != nil { v["\(ResourceVector.devices)/enflame"] = (slices ?? 0) + (gcu ?? 0) }
        if let gpu { v["\(ResourceVector.devices)/nvidia"] = gpu }
        if slices != nil || gcu != nil || gpu != nil { v[ResourceVector.devices] = (slices ?? 0) + (gcu ?? 0) + (gpu ?? 0) }
        return any ? ResourceVector(v) : nil
    }

    /// A request's charge in the quota's resource names (cpu in millicores, memory in bytes, counts, MiB).
    static func charge(_ r: PodRequest, grants: [DeviceGrant]?) -> [String: Int64] {
        var c: [String: Int64] = [ResourceName.cpu: r.cpuMilli, ResourceName.memory: r.memoryBytes]
        if let s = r.slices {
            c[ResourceName.vgcu] = Int64(s.count)
            c[ResourceName.vgcuCores] = Int64(s.count * s.cores)
            if let m = s.memoryMiB { c[ResourceName.vgcuMemory] = Int64(s.count * m) }
            else if let grants { c[ResourceName.vgcuMemory] = Int64(grants.filter { !$0.whole }.reduce(0) { $0 + $1.memoryMiB }) }
        }
        for w in r.wholeDevices {
            let name = w.vendor == "nvidia" ? ResourceName.nvidiaGPU : ResourceName.enflameGCU
            c[name, default: 0] += Int64(w.count)
        }
        return c
    }

    /// A quota amount in the same units as `charge`.
    static func amount(_ q: Quantity, _ name: String) -> Int64 {
        name == ResourceName.cpu ? q.milliValue : q.value
    }

    static func show(_ v: Int64, _ name: String) -> String {
        name == ResourceName.cpu ? Quantity(milli: v).description : String(v)
    }
}
