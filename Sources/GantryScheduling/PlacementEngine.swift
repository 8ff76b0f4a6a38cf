// Filter and score: the one placement decision the extender, the dev cluster's scheduler shim, the gang
// planner and the benchmarks all share. Per node: pool, thermal hard limits, device-level fit with a
// concrete assignment (or a specific reason), then the pool's weighted score policies.

import Foundation

/// Where a gang already runs or is planned, for the gang-affinity score.
public struct GangContext: Hashable, Sendable {
    public var gang: String
    public var nodes: Set<String>
    public var racks: Set<String>

    public init(gang: String, nodes: Set<String> = [], racks: Set<String> = []) {
        self.gang = gang
        self.nodes = nodes
        self.racks = racks
    }
}

public struct NodeChoice: Hashable, Sendable {
    public var node: String
    public var slot: Int
    /// Weighted mean of the pool's policies, 0...10.
    public var score: Double
    public var assignment: DeviceAssignment
    /// Each policy's own score; empty on the `best` fast path.
    public var components: [ScorePolicy: Double]
}

public struct NodeRejection: Hashable, Sendable {
    public var node: String
    public var failure: FitFailure
}

public struct PlacementEngine: Sendable {
    public var defaultPolicy: PoolPolicy
    public var poolPolicies: [String: PoolPolicy]
    /// The demand mix learned from observed pods; the fragmentation score judges against it.
    public var demand: ShapeDistribution

    public init(defaultPolicy: PoolPolicy = .gantryDefault, poolPolicies: [String: PoolPolicy] = [:],
                demand: ShapeDistribution = ShapeDistribution()) {
        self.defaultPolicy = defaultPolicy
        self.poolPolicies = poolPolicies
        self.demand = demand
    }

    /// Learns from a pod asking to be placed (call once per pod, before or after placing it).
    public mutating func observe(_ request: PodRequest) { demand.observe(request) }

    public func policy(forPool pool: String?) -> PoolPolicy { pool.flatMap { poolPolicies[$0] } ?? defaultPolicy }

    /// Every candidate node (all nodes when `candidates` is nil), feasible ones scored and sorted best first
    /// (score, then node name), the others with the reason they do not fit.
    public func evaluate(_ request: PodRequest, in ledger: DeviceLedger, candidates: [String]? = nil, now: Date,
                         gang: GangContext? = nil) -> PlacementResult {
        var result = PlacementResult()
        if let e = Self.invalid(request) {
            result.invalidRequest = e
            return result
        }
        let ctx = ScanContext(ledger.compile(request), ledger: ledger, engine: self, now: now, gang: gang)
        result.feasible.reserveCapacity(candidates?.count ?? ledger.nodes.count)
        ledger.nodes.withUnsafeBufferPointer { buffer in
            guard let nodes = buffer.baseAddress else { return }
            func visit(_ slot: Int) {
                var a = DeviceAssignment.none
                let score = nodes[slot].place(ctx, slot: slot, &a)
                if score > -.infinity {
                    result.feasible.append(NodeChoice(node: nodes[slot].name, slot: slot, score: score, assignment: a, components: [:]))
                } else {
                    result.rejected.append(NodeRejection(node: nodes[slot].name, failure: nodes[slot].failure(ctx)))
                }
            }
            if let names = candidates {
                for name in names {
                    if let slot = ledger.slot(of: name) { visit(slot) } else {
                        result.rejected.append(NodeRejection(node: name, failure: .unknownNode(name)))
                    }
                }
            } else {
                for slot in buffer.indices where nodes[slot].active { visit(slot) }
            }
        }
        // The pick goes first; the rest stay in node order (kube-scheduler needs scores, not an order, and a
        // full sort of 5,000 nodes costs as much as scoring them). `ranked` sorts on demand.
        let rank = ledger.nameRank
        var top = -1
        for (i, c) in result.feasible.enumerated() {
            if top < 0 || c.score > result.feasible[top].score
                || (c.score == result.feasible[top].score && rank[c.slot] < rank[result.feasible[top].slot]) { top = i }
        }
        if top > 0 { result.feasible.swapAt(0, top) }
        result.nameRank = rank
        // Only the pick is explained policy by policy; computing it for every node would double the cost.
        if let b = result.feasible.first {
            result.feasible[0].components = ledger.nodes[b.slot].components(ctx, slot: b.slot, b.assignment)
        }
        return result
    }

    /// The best node only, without rejection details: the hot path for simulators and the gang planner.
    public func best(_ request: PodRequest, in ledger: DeviceLedger, now: Date, gang: GangContext? = nil,
                     excluding: Set<Int> = []) -> NodeChoice? {
        if Self.invalid(request) != nil { return nil }
        return best(ScanContext(ledger.compile(request), ledger: ledger, engine: self, now: now, gang: gang), in: ledger,
                    excluding: excluding)
    }

    func best(_ ctx: ScanContext, in ledger: DeviceLedger, slots: [Int]? = nil, excluding: Set<Int> = []) -> NodeChoice? {
        var bestSlot = -1
        var bestScore = -Double.infinity
        var bestAssignment = DeviceAssignment.none
        // Through a buffer pointer: reading `ledger.nodes[slot]` directly copies each node (and retains its
        // strings and arrays), which was a fifth of the time.
        let rank = ledger.nameRank
        ledger.nodes.withUnsafeBufferPointer { buffer in
            guard let nodes = buffer.baseAddress else { return }
            func visit(_ slot: Int) {
                guard nodes[slot].active, excluding.isEmpty || !excluding.contains(slot) else { return }
                var a = DeviceAssignment.none
                let score = nodes[slot].place(ctx, slot: slot, &a)
                if score > bestScore || (score == bestScore && score > -.infinity && rank[slot] < rank[bestSlot]) {
                    bestSlot = slot
                    bestScore = score
                    bestAssignment = a
                }
            }
            if let slots { for s in slots where s >= 0 && s < buffer.count { visit(s) } } else {
                for s in buffer.indices { visit(s) }
            }
        }
        guard bestSlot >= 0, bestScore > -.infinity else { return nil }
        return NodeChoice(node: ledger.nodes[bestSlot].name, slot: bestSlot, score: bestScore, assignment: bestAssignment,
                          components: [:])
    }

    static func invalid(_ r: PodRequest) -> RequestError? {
        do { try r.validate() } catch { return error }
        return nil
    }
}

/// A pool's profile as plain numbers, so scoring a node touches no arrays or dictionaries.
struct ProfileWeights {
    var nodeBinpack = 0.0, nodeSpread = 0.0, deviceBinpack = 0.0, deviceSpread = 0.0
    var fragmentation = 0.0, thermal = 0.0, gang = 0.0
    var total = 0.0

    init(_ p: ScoringProfile) {
        for t in p.terms {
            switch t.policy {
            case .nodeBinpack: nodeBinpack = t.weight
            case .nodeSpread: nodeSpread = t.weight
            case .deviceBinpack: deviceBinpack = t.weight
            case .deviceSpread: deviceSpread = t.weight
            case .fragmentation: fragmentation = t.weight
            case .thermalHeadroom: thermal = t.weight
            case .gangAffinity: gang = t.weight
            }
        }
        total = p.totalWeight
    }
}

/// Everything one decision needs, resolved once: compiled request, per-pool weights and thermal policies by
/// pool code, gang nodes by slot. A class so the per-node calls share it without copying.
final class ScanContext {
    let r: CompiledRequest
    /// Index 0: nodes outside any pool; index code + 1: pool with that interned code.
    let policies: [PoolPolicy]
    let weights: [ProfileWeights]
    let thermal: [ThermalPolicy?]
    let mix: DemandMix
    let now: Date
    // Constants (not `var`): a class's mutable properties cost a dynamic exclusivity check on every read.
    let hasGang: Bool
    let gangSlots: Set<Int>
    let gangRacks: Set<Int32>

    init(_ r: CompiledRequest, ledger: DeviceLedger, engine: PlacementEngine, now: Date, gang: GangContext?) {
        self.r = r
        var p = [engine.defaultPolicy]
        for name in ledger.pools.names { p.append(engine.poolPolicies[name] ?? engine.defaultPolicy) }
        policies = p
        weights = p.map { ProfileWeights($0.profile) }
        thermal = p.map { $0.thermal.isEnabled ? $0.thermal : nil }
        mix = DemandMix(engine.demand)
        self.now = now
        hasGang = gang != nil
        gangSlots = Set(gang?.nodes.compactMap { ledger.slot(of: $0) } ?? [])
        gangRacks = Set(gang?.racks.compactMap { ledger.racks.existing($0) } ?? [])
    }

    /// The same decision for the gang's current nodes and racks.
    init(_ other: ScanContext, gang: GangContext, ledger: DeviceLedger) {
        r = other.r
        policies = other.policies
        weights = other.weights
        thermal = other.thermal
        mix = other.mix
        now = other.now
        hasGang = true
        gangSlots = Set(gang.nodes.compactMap { ledger.slot(of: $0) })
        gangRacks = Set(gang.racks.compactMap { ledger.racks.existing($0) })
    }

    @inline(__always) func policyIndex(_ poolCode: Int32) -> Int {
        let i = Int(poolCode) + 1
        return i < weights.count ? i : 0
    }
}

/// One pass over a node's devices: what utilization and fragmentation both need.
struct NodeTotals {
    /// Free device units on healthy devices not held whole.
    var freeUnits: Double
    /// Cores of healthy devices, and how many are used.
    var totalCores: Int
    var usedCores: Int
}

extension LedgerNode {
    var totals: NodeTotals { cachedTotals }

    /// Filter then score this node for one decision: the score, with the chosen devices in `a`, or -∞ when
    /// the pod does not fit (`failure` then says why; the hot paths never build reasons they do not need).
    func place(_ ctx: ScanContext, slot: Int, _ a: inout DeviceAssignment) -> Double {
        let r = ctx.r
        if basicFailure(r) != nil { return -.infinity }
        let pi = ctx.policyIndex(poolCode)
        var thermal = NodeThermalState.neutral
        if let policy = ctx.thermal[pi] {
            thermal = policy.evaluate(self, now: ctx.now)
            if thermal.violation != nil { return -.infinity }
        }
        let t = totals
        if r.wholeCount == 0 && r.sliceCount == 0 {
            a = .none
            return score(ctx, pi, slot, .none, thermal, t)
        }
        var whole = DeviceMask()
        if r.wholeCount > 0 {
            let choice = DeviceChoice(order: .binpack, avoid: thermal.avoid, heat: thermal.heat)
            let (taken, failed) = pickWhole(r, blocked: thermal.blocked, choice: choice)
            if failed != nil { return -.infinity }
            whole = taken
        }
        guard r.sliceCount > 0 else {
            a = DeviceAssignment(whole: whole)
            return score(ctx, pi, slot, a, thermal, t)
        }
        var cand = sliceCandidates(r, blocked: thermal.blocked, excluding: whole)
        if cand.count < r.sliceCount { return -.infinity }
        // Devices in the soft thermal band only when the cooler ones do not suffice.
        let cool = cand.subtracting(thermal.avoid)
        if cool.count >= r.sliceCount { cand = cool }
        if cand.count == r.sliceCount {
            a = DeviceAssignment(whole: whole, slices: cand)
            return score(ctx, pi, slot, a, thermal, t)
        }
        // Score each candidate device as a slice's home; equal scores go to the cooler device, then the lower
        // position. Devices in the same state score the same, so each state is scored once (the keys live in
        // a stack buffer: no allocation per node).
        let k = r.sliceCount
        let (result, chosen) = withUnsafeTemporaryAllocation(of: (cores: Int, memory: Int, heat: Double, score: Double).self,
                                                             capacity: devices.count) { seen -> (Double, DeviceMask) in
            var known = 0
            func rate(_ i: Int) -> (score: Double, heat: Double) {
                let heat = thermal.heat.map { i < $0.count ? $0[i] : 0 } ?? 0
                let cores = devices[i].freeCores, memory = devices[i].freeMemoryMiB
                for j in 0..<known where seen[j].cores == cores && seen[j].memory == memory && seen[j].heat == heat {
                    return (seen[j].score, heat)
                }
                let s = score(ctx, pi, slot, DeviceAssignment(whole: whole, slices: DeviceMask(bits: 1 << UInt64(i))), thermal, t)
                seen[known] = (cores, memory, heat, s)
                known += 1
                return (s, heat)
            }
            var slices = DeviceMask()
            var single = 0.0
            for _ in 0..<k {
                var bestScore = -Double.infinity, bestHeat = 0.0, bestPos = -1
                for i in cand.subtracting(slices) {
                    let (s, heat) = rate(i)
                    if s > bestScore || (s == bestScore && heat < bestHeat) { bestScore = s; bestHeat = heat; bestPos = i }
                }
                slices.insert(bestPos)
                single = bestScore
            }
            return (k == 1 ? single : score(ctx, pi, slot, DeviceAssignment(whole: whole, slices: slices), thermal, t), slices)
        }
        a = DeviceAssignment(whole: whole, slices: chosen)
        return result
    }

    /// Why `place` found no room on this node, in the user's terms.
    func failure(_ ctx: ScanContext) -> FitFailure {
        let r = ctx.r
        if let f = basicFailure(r) { return f }
        let pi = ctx.policyIndex(poolCode)
        var thermal = NodeThermalState.neutral
        if let policy = ctx.thermal[pi] {
            thermal = policy.evaluate(self, now: ctx.now)
            if let v = thermal.violation { return .overheated(v) }
        }
        var whole = DeviceMask()
        if r.wholeCount > 0 {
            let (taken, failed) = pickWhole(r, blocked: thermal.blocked, choice: DeviceChoice(order: .binpack, avoid: thermal.avoid))
            if let p = failed { return .devices(diagnoseWhole(r, part: p, blocked: thermal.blocked, taken: taken)) }
            whole = taken
        }
        return .devices(diagnose(r, blocked: thermal.blocked, excluding: whole))
    }

    /// The pool's weighted mean of its policies' scores.
    func score(_ ctx: ScanContext, _ pi: Int, _ slot: Int, _ a: DeviceAssignment, _ thermal: NodeThermalState,
               _ t: NodeTotals) -> Double {
        let w = ctx.weights[pi]
        guard w.total > 0 else { return 0 }
        var sum = 0.0
        if w.nodeBinpack > 0 { sum += w.nodeBinpack * component(.nodeBinpack, ctx, slot, a, thermal, t) }
        if w.nodeSpread > 0 { sum += w.nodeSpread * component(.nodeSpread, ctx, slot, a, thermal, t) }
        if w.deviceBinpack > 0 { sum += w.deviceBinpack * component(.deviceBinpack, ctx, slot, a, thermal, t) }
        if w.deviceSpread > 0 { sum += w.deviceSpread * component(.deviceSpread, ctx, slot, a, thermal, t) }
        if w.fragmentation > 0 { sum += w.fragmentation * component(.fragmentation, ctx, slot, a, thermal, t) }
        if w.thermal > 0 { sum += w.thermal * component(.thermalHeadroom, ctx, slot, a, thermal, t) }
        if w.gang > 0 { sum += w.gang * component(.gangAffinity, ctx, slot, a, thermal, t) }
        return sum / w.total
    }

    func component(_ p: ScorePolicy, _ ctx: ScanContext, _ slot: Int, _ a: DeviceAssignment, _ thermal: NodeThermalState,
                   _ t: NodeTotals) -> Double {
        let s: Double
        switch p {
        case .nodeBinpack: s = 10 * utilizationAfter(ctx.r, t)
        case .nodeSpread: s = 10 * (1 - utilizationAfter(ctx.r, t))
        case .deviceBinpack: s = deviceFillAfter(ctx.r, a).map { 10 * $0 } ?? 5
        case .deviceSpread: s = deviceFillAfter(ctx.r, a).map { 10 * (1 - $0) } ?? 5
        case .fragmentation:
            s = Self.fragmentationScore(strandedGrowth: strandedGrowth(ctx.r, a, mix: ctx.mix, freeUnits: t.freeUnits))
        case .thermalHeadroom: s = thermal.headroom(for: a)
        case .gangAffinity:
            if !ctx.hasGang { s = 5 } else if ctx.gangSlots.contains(slot) { s = 10 } else {
                s = rackCode >= 0 && ctx.gangRacks.contains(rackCode) ? 7 : 0
            }
        }
        return min(10, max(0, s.isNaN ? 0 : s))
    }

    /// Per-policy scores of a chosen placement, for explanations.
    func components(_ ctx: ScanContext, slot: Int, _ a: DeviceAssignment) -> [ScorePolicy: Double] {
        let pi = ctx.policyIndex(poolCode)
        let thermal = ctx.thermal[pi].map { $0.evaluate(self, now: ctx.now) } ?? .neutral
        var out: [ScorePolicy: Double] = [:]
        for term in ctx.policies[pi].profile.terms { out[term.policy] = component(term.policy, ctx, slot, a, thermal, totals) }
        return out
    }
}
