// Preempt: for each node kube-scheduler proposes, the pods whose eviction makes room for the preemptor device by
// device, by UID. Only lower-priority pods; preemptible ones first, then the lowest priority, then those that
// started last (least work lost); a gang member only together with the rest of its gang on that node, and never
// one whose eviction would cut a running gang below its minimum elsewhere. Nodes where no such set makes the
// pod fit are dropped from the answer.
// Interim selection until GantryScheduling's preemption (engine issue §7) lands; see `chooseVictims`.

import Foundation
import GantryScheduling
import KubeCore

extension ClusterLedger {
    public func preempt(_ f: PodFacts, candidates: [String: MetaVictims]) -> [String: MetaVictims] {
        let now = clock()
        guard f.requestError == nil else { return [:] }
        var out: [String: MetaVictims] = [:]
        for (node, proposed) in candidates {
            guard ledger.slot(of: node) != nil else { continue }
            guard let ours = chooseVictims(f, node: node, now: now) else { continue }
            // Our fit counts cpu, memory and pods as well as devices, so our victims free what kube-scheduler's
            // in-tree filters need too; only when the pod fits without evictions by our books do its own stand.
            let uids = ours.isEmpty ? proposed.podUIDs : ours
            guard !uids.isEmpty else { continue }
            // PodDisruptionBudgets are not watched here: only kube-scheduler's own proposal comes with its count.
            out[node] = MetaVictims(podUIDs: uids, numPDBViolations: ours.isEmpty ? proposed.numPDBViolations : 0)
        }
        return out
    }

    /// Victim UIDs on `nodeName` that make the pod fit (empty if it fits already), or nil.
    func chooseVictims(_ f: PodFacts, node nodeName: String, now: Date) -> [String]? {
        func fits(_ scratch: DeviceLedger) -> Bool {
            if case .fits = choose(f, node: nodeName, now: now, in: scratch) { return true }
            return false
        }
        if fits(ledger) { return [] }
        // Eviction units: a pod, or every member of a gang on this node.
        var units: [String: [Allocation]] = [:]
        for a in ledger.allocations(onNode: nodeName) where a.reservation == nil && inFlight[a.id] == nil {
            guard a.owner.priority < f.owner.priority else { continue }
            units[a.owner.gang.map { "gang:\($0)" } ?? a.id, default: []].append(a)
        }
        for (key, members) in units {
            guard let gang = members.first?.owner.gang else { continue }
            let everywhere = ledger.allocations.values.filter { $0.owner.gang == gang && $0.reservation == nil }
            let elsewhere = everywhere.count - members.count
            let minimum = members.map(\.owner.gangMinMember).max() ?? 1
            // Evicting these leaves `elsewhere` running: fine if none are left or the gang keeps its minimum.
            if elsewhere > 0 && elsewhere < minimum { units[key] = nil }
        }
        let order = units.keys.sorted { a, b in
            let x = units[a]!, y = units[b]!
            let px = x.allSatisfy(\.owner.preemptible), py = y.allSatisfy(\.owner.preemptible)
            if px != py { return px }
            let prx = x.map(\.owner.priority).max() ?? 0, pry = y.map(\.owner.priority).max() ?? 0
            if prx != pry { return prx < pry }
            let sx = x.compactMap(\.owner.startedAt).max() ?? .distantPast, sy = y.compactMap(\.owner.startedAt).max() ?? .distantPast
            if sx != sy { return sx > sy }
            return a < b
        }
        var scratch = ledger
        var evicted: [String] = []
        var found = false
        for key in order {
            for a in units[key] ?? [] { scratch.release(a.id) }
            evicted.append(key)
            if fits(scratch) {
                found = true
                break
            }
        }
        guard found else { return nil }
        // Reprieve: give back, most valuable first, every unit the pod does not need gone.
        for key in evicted.reversed() {
            var trial = scratch
            for a in units[key] ?? [] { try? trial.record(a, allowOvercommit: true) }
            if fits(trial) {
                scratch = trial
                evicted.removeAll { $0 == key }
            }
        }
        return evicted.flatMap { (units[$0] ?? []).map(\.id) }
    }
}
