// Prioritize: a 0...10 score per candidate from the engine's weighted policies of each node's pool (kube-scheduler
// multiplies it by weight × 10 and does not clamp, so every score is clamped here). The engine's own pick gets 10
// and every other node at most 9, so its first-fit order survives kube-scheduler's random tie-break. Gang members
// score their reserved slots highest.

import Foundation
import GantryScheduling
import KubeCore

extension ClusterLedger {
    public func prioritize(_ f: PodFacts, candidates: [String]) -> [HostPriority] {
        let now = clock()
        if f.requestError != nil { return candidates.map { HostPriority(host: $0, score: 0) } }
        if let held = ledger.allocation(f.uid), held.reservation == nil {
            return candidates.map { HostPriority(host: $0, score: $0 == held.node ? HostPriority.maxScore : 0) }
        }
        if let plan = gangSteering(f, now: now), plan.blocked == nil {
            return candidates.map { HostPriority(host: $0, score: plan.slots.contains($0) ? HostPriority.maxScore : 0) }
        }
        let scores = engine.scores(engineRequest(f), in: ledger, candidates: candidates, now: now, gang: gangContext(f))
            .extenderScores
        return candidates.indices.map { HostPriority(host: candidates[$0], score: $0 < scores.count ? Int64(scores[$0]) : 0) }
    }
}
