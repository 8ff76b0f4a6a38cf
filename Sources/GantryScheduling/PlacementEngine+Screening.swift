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
        // Both lists reserved: growing them copied every entry so far (a rejection is ~150 bytes) several times.
        result.feasible.reserveCapacity(candidates.count)
        result.rejected.reserveCapacity(candidates.count)
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

/// `rank` reduced to what the extender's prioritize sends: a score per candidate and the engine's pick.
public struct CandidateScores: Sendable {
    /// In candidate order: the node's score (0...10), or -∞ when it does not fit or is not known.
    public var scores: [Double] = []
    /// The candidate index of the pick (highest score, then first by name, as `rank` sorts), or nil.
    public var pick: Int?
    /// How many candidates name the pick (a name may come twice).
    public var pickCount = 0
    public var invalidRequest: RequestError?

    public init() {}

    /// kube-scheduler's 0...10 per candidate, as a name → score map filled from `PlacementResult.extenderScores`
    /// gives them: the pick 10, other fitting nodes their rounded score up to 9, the rest 0. A pick named twice
    /// gets its rounded score (in that map its second entry overwrote the 10).
    public var extenderScores: [Int] {
        let top = pickCount == 1 ? pick : nil
        return scores.indices.map { i in
            let s = scores[i]
            return s == -.infinity ? 0 : i == top ? 10 : min(9, max(0, Int(s.rounded())))
        }
    }
}

extension PlacementEngine {
    /// The scores `rank` gives, without building a choice per node or sorting them: prioritize needs a number
    /// per node and the best one. At 5,000 candidates the per-node choices, the sort and the name → score map
    /// built from them were over a third of a prioritize call.
    public func scores(_ request: PodRequest, in ledger: DeviceLedger, candidates: [String], now: Date,
                       gang: GangContext? = nil) -> CandidateScores {
        var result = CandidateScores()
        if let e = Self.invalid(request) {
            result.invalidRequest = e
            return result
        }
        let ctx = ScanContext(ledger.compile(request), ledger: ledger, engine: self, now: now, gang: gang)
        let rank = ledger.nameRank
        var pick = -1, pickSlot = -1, pickScore = -Double.infinity, pickCount = 0
        result.scores = [Double](repeating: -.infinity, count: candidates.count)
        result.scores.withUnsafeMutableBufferPointer { out in
            ledger.nodes.withUnsafeBufferPointer { buffer in
                guard let nodes = buffer.baseAddress else { return }
                for (i, name) in candidates.enumerated() {
                    guard let slot = ledger.slot(of: name), nodes[slot].active else { continue }
                    var a = DeviceAssignment.none
                    let score = LedgerNode.place(at: nodes + slot, ctx, slot: slot, &a)
                    out[i] = score
                    guard score > -.infinity else { continue }
                    // A repeated name is the same slot with the same score.
                    if slot == pickSlot {
                        pickCount += 1
                    } else if score > pickScore || (score == pickScore && rank[slot] < rank[pickSlot]) {
                        pick = i; pickSlot = slot; pickScore = score; pickCount = 1
                    }
                }
            }
        }
        if pick >= 0 {
            result.pick = pick
            result.pickCount = pickCount
        }
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
        // The cached-mask versions of `pickWhole` and `sliceCandidates` (same devices, same counts); the slow
        // ones run only to explain a failure.
        var whole = DeviceMask()
        if r.wholeCount > 0 {
            if let taken = pickWholeFast(r, blocked: thermal.blocked, avoid: thermal.avoid, heat: nil) {
                whole = taken
            } else {
                let (taken, failed) = pickWhole(r, blocked: thermal.blocked, choice: DeviceChoice(order: .binpack, avoid: thermal.avoid))
                if let p = failed { return .devices(diagnoseWhole(r, part: p, blocked: thermal.blocked, taken: taken)) }
                whole = taken
            }
        }
        if r.sliceCount > 0 && openSliceCandidates(r, skip: thermal.blocked.union(whole)).count < r.sliceCount {
            return .devices(diagnose(r, blocked: thermal.blocked, excluding: whole))
        }
        return nil
    }
}
