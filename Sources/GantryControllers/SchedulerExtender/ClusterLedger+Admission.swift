// The queue gate (DESIGN §6.1) as the extender applies it to a single pod: a pod charged to a Quota is placed
// only while that quota, and every quota above it, has headroom under its `limit` for what the pod is charged
// (GantryAPI's QuotaCharge rules: vgcu × cores, vgcu × memory, whole devices, cpu, memory). Usage counts every
// pod of the subtree that holds shares in the ledger — bound, binding, or reserved for a gang.

import Foundation
import GantryAPI
import GantryScheduling
import KubeCore

struct AdmissionVerdict: Sendable, Equatable {
    var reason: String
    /// Freeing capacity elsewhere (preemption on a node) does not give a quota headroom: unresolvable.
    var resolvable: Bool
}

extension ClusterLedger {
    func admissionGate(_ f: PodFacts, now: Date) -> AdmissionVerdict? {
        guard let quota = f.quota else { return nil }
        guard quotas[quota] != nil else {
            return AdmissionVerdict(reason: "quota \(quota) does not exist", resolvable: false)
        }
        let charge = Self.charge(f.request, grants: nil)
        // The quota and its ancestors, nearest first; a cycle stops the walk.
        var chain: [String] = []
        var next: String? = quota
        while let q = next, let object = quotas[q], !chain.contains(q) {
            chain.append(q)
            next = object.spec.parent.flatMap { $0.isEmpty ? nil : $0 }
        }
        let limited = chain.filter { q in quotas[q]?.spec.resources?.values.contains { $0.limit != nil } == true }
        guard !limited.isEmpty else { return nil }
        let usage = quotaUsage(limited, excluding: f.uid)
        for q in limited {
            for (name, resource) in (quotas[q]?.spec.resources ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard let limit = resource.limit, let want = charge[name], want > 0 else { continue }
                let used = usage[q]?[name] ?? 0
                let cap = Self.amount(limit, name)
                if used + want > cap {
                    return AdmissionVerdict(reason: "quota \(q): \(name) \(Self.show(used, name))/\(Self.show(cap, name)) used, pod needs \(Self.show(want, name))",
                                            resolvable: false)
                }
            }
        }
        return nil
    }

    /// Usage per quota in `quotas`, each counting its own pods and those of its descendants.
    func quotaUsage(_ wanted: [String], excluding uid: String) -> [String: [String: Int64]] {
        var parentOf: [String: String] = [:]
        for (name, q) in quotas { if let p = q.spec.parent, !p.isEmpty { parentOf[name] = p } }
        let wantedSet = Set(wanted)
        var out: [String: [String: Int64]] = [:]
        for a in ledger.allocations.values where a.id != uid {
            guard var q = a.owner.queue else { continue }
            let charge = Self.charge(a.request, grants: a.grants)
            var seen = Set<String>()
            while seen.insert(q).inserted {
                if wantedSet.contains(q) { for (k, v) in charge { out[q, default: [:]][k, default: 0] += v } }
                guard let p = parentOf[q] else { break }
                q = p
            }
        }
        return out
    }

    /// A request's charge in the quota's units (cpu in millicores, memory in bytes, devices and MiB as counts).
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
