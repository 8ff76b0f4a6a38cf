// Prioritize: a 0...10 score per feasible node (kube-scheduler multiplies it by weight × 10 and does not clamp,
// so every score is clamped here). Gang members score their reserved slots highest; every other node gets
// the pool policy's score for the devices the engine would pick there.

import Foundation
import GantryScheduling
import KubeCore

extension ClusterLedger {
    public func prioritize(_ f: PodFacts, candidates: [String]) -> [HostPriority] {
        let now = clock()
        var out: [HostPriority] = []
        out.reserveCapacity(candidates.count)
        if f.requestError != nil {
            return candidates.map { HostPriority(host: $0, score: 0) }
        }
        if let held = ledger.allocation(f.uid), held.reservation == nil {
            return candidates.map { HostPriority(host: $0, score: $0 == held.node ? HostPriority.maxScore : 0) }
        }
        let plan = gangSteering(f, now: now)
        let compiled = ledger.compile(engineRequest(f))
        for name in candidates {
            guard let slot = ledger.slot(of: name) else {
                out.append(HostPriority(host: name, score: 0))
                continue
            }
            if let plan, plan.blocked == nil {
                out.append(HostPriority(host: name, score: plan.slots.contains(name) ? HostPriority.maxScore : 0))
                continue
            }
            let nf = fit(compiled, slot: slot, now: now)
            guard case .fits(let assignment) = nf.result else {
                out.append(HostPriority(host: name, score: 0))
                continue
            }
            let score = NodeScoring.score(node: ledger.nodes[slot], compiled: compiled, assignment: assignment,
                                          settings: nf.settings, thermal: nf.thermal, weights: configuration.scoreWeights)
            out.append(HostPriority(host: name, score: Int64(score.rounded())))
        }
        return out
    }
}
