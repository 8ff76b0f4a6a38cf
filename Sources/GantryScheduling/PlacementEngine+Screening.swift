// Filter without scoring, and scores without the per-policy breakdown: the scheduler extender's filter verb only
// needs which candidates fit (and why the others do not), its prioritize verb only the number per node, both on
// hundreds of names per call within a millisecond. Same checks and scores as `evaluate`, a fraction of the work.
// (Added by the extender; `evaluate` stays the one to use when an explanation is wanted.)

import Foundation

extension PlacementEngine {
    /// Which candidates fit now: pool, taints, CPU/memory/pods, thermal hard limits and device-level fit, as in
    /// `evaluate`. Feasible nodes come back in candidate order with score 0 and no assignment.
    public func screen(_ request: PodRequest, in ledger: DeviceLedger, candidates: [String], now: Date) -> PlacementResult {
        var result = PlacementResult()
        if let e = Self.invalid(request) {
            result.invalidRequest = e
            return result
        }
        let ctx = ScanContext(ledger.compile(request), ledger: ledger, engine: self, now: now, gang: nil)
        result.feasible.reserveCapacity(candidates.count)
        // Nodes are read in place through the buffer: copying a LedgerNode out of the array retains a dozen
        // references, which was most of a filter's time on 500 candidates.
        ledger.nodes.withUnsafeBufferPointer { nodes in
            for name in candidates {
                guard let slot = ledger.slot(of: name), nodes[slot].active else {
                    result.rejected.append(NodeRejection(node: name, failure: .unknownNode(name)))
                    continue
                }
                if let f = LedgerNode.feasibility(nodes[slot], ctx) {
                    result.rejected.append(NodeRejection(node: name, failure: f))
                } else {
                    result.feasible.append(NodeChoice(node: name, slot: slot, score: 0, assignment: .none, components: [:]))
                }
            }
        }
        return result
    }

    /// `evaluate` over the candidates without per-policy components: feasible nodes scored and sorted best first
    /// (score, then name), the others with their reason.
    public func rank(_ request: PodRequest, in ledger: DeviceLedger, candidates: [String], now: Date,
                     gang: GangContext? = nil) -> PlacementResult {
        var result = PlacementResult()
        if let e = Self.invalid(request) {
            result.invalidRequest = e
            return result
        }
        let ctx = ScanContext(ledger.compile(request), ledger: ledger, engine: self, now: now, gang: gang)
        ledger.nodes.withUnsafeBufferPointer { nodes in
            for name in candidates {
                guard let slot = ledger.slot(of: name), nodes[slot].active else {
                    result.rejected.append(NodeRejection(node: name, failure: .unknownNode(name)))
                    continue
                }
                switch LedgerNode.outcome(nodes[slot], ctx, slot: slot) {
                case .fails(let f): result.rejected.append(NodeRejection(node: name, failure: f))
                case .fits(let score, let a):
                    result.feasible.append(NodeChoice(node: name, slot: slot, score: score, assignment: a, components: [:]))
                }
            }
        }
        result.feasible.sort { $0.score != $1.score ? $0.score > $1.score : $0.node < $1.node }
        return result
    }
}

extension LedgerNode {
    /// nil when the request fits; the same checks, in the same order, as `outcome`, without scoring. Takes the
    /// node `borrowing` so the caller reads it in place (no copy, no retains) straight from the ledger's array.
    static func feasibility(_ node: borrowing LedgerNode, _ ctx: ScanContext) -> FitFailure? {
        if let f = node.basicFailure(ctx.r) { return f }
        let policy = ctx.policies[ctx.policyIndex(node)]
        var blocked = DeviceMask.empty
        if policy.thermal.isEnabled {
            let thermal = policy.thermal.evaluate(copy node, now: ctx.now)
            if let v = thermal.violation { return .overheated(v) }
            blocked = thermal.blocked
        }
        // `fit` without choosing the slice devices: its choice takes a closure over the node, which copies it.
        let r = ctx.r
        if r.wholeCount == 0 && r.sliceCount == 0 { return nil }
        var whole = DeviceMask()
        if r.wholeCount > 0 {
            let (taken, failed) = node.pickWhole(r, blocked: blocked, choice: .binpack)
            if let p = failed { return .devices(node.diagnoseWhole(r, part: p, blocked: blocked, taken: taken)) }
            whole = taken
        }
        if r.sliceCount > 0 && node.sliceCandidates(r, blocked: blocked, excluding: whole).count < r.sliceCount {
            return .devices(node.diagnose(r, blocked: blocked, excluding: whole))
        }
        return nil
    }

    static func outcome(_ node: borrowing LedgerNode, _ ctx: ScanContext, slot: Int) -> NodeOutcome { node.outcome(ctx, slot: slot) }
}
