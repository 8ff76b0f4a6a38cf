// Preempt through the engine's PreemptionPlanner: among the nodes kube-scheduler proposes, the pods whose
// eviction makes room for the preemptor device by device, by UID, losing the fewest device-seconds. Eligibility
// is the engine's (lower priority, preemptible at equal priority, or reclaim from a quota over its fair share);
// preemptible work is preferred: the planner first sees every other workload as protected, and only if that finds
// nothing does it choose among all it allows. Victims must all be on the chosen node (kube-scheduler evicts
// there only), so a plan that would cut a gang running elsewhere is not answered.

import Foundation
import GantryScheduling
import KubeCore

extension ClusterLedger {
    public func preempt(_ f: PodFacts, candidates: [String: MetaVictims]) -> [String: MetaVictims] {
        let now = clock()
        guard f.requestError == nil, !candidates.isEmpty else { return [:] }
        // Only kube-scheduler's candidate nodes may be chosen: the others are cordoned on a scratch copy.
        var scratch = ledger
        for slot in scratch.activeSlots where candidates[scratch.nodes[slot].name] == nil {
            try? scratch.setSchedulable(node: scratch.nodes[slot].name, false)
        }
        let request = PreemptionRequest(
            workload: f.owner.workload ?? "pod:\(f.key)",
            gang: GangSpec(gang: f.gang?.description ?? "pod:\(f.key)", members: [GangMember(name: f.name, request: engineRequest(f))],
                           minMember: 1, owner: f.owner),
            priority: f.owner.priority, queue: f.quota)
        let planner = PreemptionPlanner(planner: GangPlanner(engine: engine))
        let ratios = usageRatios()
        var protected = scratch
        for a in scratch.allocations.values where a.reservation == nil && !a.owner.preemptible && a.owner.priority < f.owner.priority {
            var raised = a
            raised.owner.priority = Int.max
            protected.release(a.id)
            try? protected.record(raised, allowOvercommit: true)
        }
        for ledger in [protected, scratch] {
            guard case .success(let plan) = planner.plan(request, in: ledger, usageRatios: ratios, now: now),
                  let node = plan.placement.placements.first?.node, let proposed = candidates[node] else { continue }
            let uids = plan.victims.flatMap(\.allocations)
            // It fits without evictions by our books: kube-scheduler's own victims free what its in-tree filters need.
            if uids.isEmpty { return proposed.podUIDs.isEmpty ? [:] : [node: proposed] }
            guard plan.victims.allSatisfy({ $0.nodes == [node] }) else { continue }
            // PodDisruptionBudgets are not watched here.
            return [node: MetaVictims(podUIDs: uids)]
        }
        return [:]
    }

    /// Per quota: dominant share over fair dominant share, for reclaim between quotas of equal priority.
    func usageRatios() -> [String: Double] {
        guard !quotas.isEmpty, let tree = queueTree() else { return [:] }
        let fair = FairShare(tree: tree, capacity: clusterCapacity())
        var out: [String: Double] = [:]
        for name in quotas.keys { out[name] = fair.usageRatio(quotaUsage[name] ?? .zero, queue: name) }
        return out
    }
}
