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
        // Nodes are read in place through the buffer pointer: copying a LedgerNode out of the array retains
        // its references, which was most of a filter's time on 500 candidates.
        ledger.nodes.withUnsafeBufferPointer { buffer in
            guard let nodes = buffer.baseAddress else { return }
            for name in candidates {
                guard let slot = ledger.slot(of: name), nodes[slot].active else {
                    result.rejected.append(NodeRejection(node: name, failure: .unknownNode(name)))
                    continue
                }
                if let f = LedgerNode.feasibility(at: nodes + slot, ctx) {
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
        ledger.nodes.withUnsafeBufferPointer { buffer in
            guard let nodes = buffer.baseAddress else { return }
            for name in candidates {
                guard let slot = ledger.slot(of: name), nodes[slot].active else {
                    result.rejected.append(NodeRejection(node: name, failure: .unknownNode(name)))
                    continue
                }
                var a = DeviceAssignment.none
                let score = LedgerNode.place(at: nodes + slot, ctx, slot: slot, &a)
                if score > -.infinity {
                    result.feasible.append(NodeChoice(node: name, slot: slot, score: score, assignment: a, components: [:]))
                } else {
                    result.rejected.append(NodeRejection(node: name, failure: nodes[slot].failure(ctx)))
                }
            }
        }
        result.feasible.sort { $0.score != $1.score ? $0.score > $1.score : $0.node < $1.node }
        return result
    }
}

extension LedgerNode {
    /// nil when the request fits; the same checks, in the same order, as `place`, without scoring or choosing
    /// the slice devices (that choice is what costs). Reads the node where it lies, as `place(at:)` does.
    @inline(__always)
    static func feasibility(at node: UnsafePointer<LedgerNode>, _ ctx: ScanContext) -> FitFailure? {
        UnsafeMutablePointer(mutating: node).pointee.feasibilityInPlace(ctx)
    }

    /// `feasibility`'s body; `mutating` only so that `self` is borrowed in place (see `place(at:)`), it never writes.
    private mutating func feasibilityInPlace(_ ctx: ScanContext) -> FitFailure? {
        let r = ctx.r
        if let f = basicFailure(r) { return f }
        var thermal = NodeThermalState.neutral
        if let policy = ctx.thermal[ctx.policyIndex(poolCode)] {
            thermal = policy.evaluate(self, now: ctx.now)
            if let v = thermal.violation { return .overheated(v) }
        }
        if r.wholeCount == 0 && r.sliceCount == 0 { return nil }
        var whole = DeviceMask()
        if r.wholeCount > 0 {
            let (taken, failed) = pickWhole(r, blocked: thermal.blocked, choice: DeviceChoice(order: .binpack, avoid: thermal.avoid))
            if let p = failed { return .devices(diagnoseWhole(r, part: p, blocked: thermal.blocked, taken: taken)) }
            whole = taken
        }
        if r.sliceCount > 0 && sliceCandidates(r, blocked: thermal.blocked, excluding: whole).count < r.sliceCount {
            return .devices(diagnose(r, blocked: thermal.blocked, excluding: whole))
        }
        return nil
    }
}
