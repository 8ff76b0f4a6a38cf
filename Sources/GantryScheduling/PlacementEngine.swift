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
        func visit(_ slot: Int) {
            let node = ledger.nodes[slot]
            switch node.outcome(ctx, slot: slot) {
            case .fails(let f): result.rejected.append(NodeRejection(node: node.name, failure: f))
            case .fits(let score, let a):
                result.feasible.append(NodeChoice(node: node.name, slot: slot, score: score, assignment: a,
                                                  components: node.components(ctx, slot: slot, a)))
            }
        }
        if let names = candidates {
            for name in names {
                if let slot = ledger.slot(of: name) { visit(slot) } else {
                    result.rejected.append(NodeRejection(node: name, failure: .unknownNode(name)))
                }
            }
        } else {
            for slot in ledger.nodes.indices where ledger.nodes[slot].active { visit(slot) }
        }
        result.feasible.sort { $0.score != $1.score ? $0.score > $1.score : $0.node < $1.node }
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
        func visit(_ slot: Int) {
            guard ledger.nodes[slot].active, !excluding.contains(slot),
                  case .fits(let score, let a) = ledger.nodes[slot].outcome(ctx, slot: slot) else { return }
            if score > bestScore || (score == bestScore && ledger.nodes[slot].name < ledger.nodes[bestSlot].name) {
                bestSlot = slot
                bestScore = score
                bestAssignment = a
            }
        }
        if let slots { for s in slots where s >= 0 && s < ledger.nodes.count { visit(s) } } else {
            for s in ledger.nodes.indices { visit(s) }
        }
        guard bestSlot >= 0 else { return nil }
        return NodeChoice(node: ledger.nodes[bestSlot].name, slot: bestSlot, score: bestScore, assignment: bestAssignment,
                          components: [:])
    }

    static func invalid(_ r: PodRequest) -> RequestError? {
        do { try r.validate() } catch { return error }
        return nil
    }
}

/// Everything one decision needs, resolved once: compiled request, per-pool policies by pool code, gang
/// nodes by slot.
struct ScanContext {
    let r: CompiledRequest
    /// Index 0: nodes outside any pool; index code + 1: pool with that interned code.
    let policies: [PoolPolicy]
    let weights: [Double]
    let demand: ShapeDistribution
    let now: Date
    var hasGang: Bool
    var gangSlots: Set<Int>
    var gangRacks: Set<Int32>

    init(_ r: CompiledRequest, ledger: DeviceLedger, engine: PlacementEngine, now: Date, gang: GangContext?) {
        self.r = r
        var p = [engine.defaultPolicy]
        for name in ledger.pools.names { p.append(engine.poolPolicies[name] ?? engine.defaultPolicy) }
        policies = p
        weights = p.map { $0.profile.totalWeight }
        demand = engine.demand
        self.now = now
        hasGang = gang != nil
        gangSlots = Set(gang?.nodes.compactMap { ledger.slot(of: $0) } ?? [])
        gangRacks = Set(gang?.racks.compactMap { ledger.racks.existing($0) } ?? [])
    }

    func policyIndex(_ node: LedgerNode) -> Int { Int(node.poolCode) + 1 < policies.count ? Int(node.poolCode) + 1 : 0 }
}

enum NodeOutcome {
    case fits(Double, DeviceAssignment)
    case fails(FitFailure)
}

extension LedgerNode {
    /// Filter then score this node for one decision.
    func outcome(_ ctx: ScanContext, slot: Int) -> NodeOutcome {
        let r = ctx.r
        if let f = basicFailure(r) { return .fails(f) }
        let pi = ctx.policyIndex(self)
        let policy = ctx.policies[pi]
        var thermal = NodeThermalState.neutral
        if policy.thermal.isEnabled {
            thermal = policy.thermal.evaluate(self, now: ctx.now)
            if let v = thermal.violation { return .fails(.overheated(v)) }
        }
        if r.wholeCount == 0 && r.sliceCount == 0 {
            return .fits(score(ctx, pi, slot, .none, thermal, freeUnits: freeDeviceUnits), .none)
        }
        let choice = DeviceChoice(order: .binpack, avoid: thermal.avoid, heat: thermal.heat)
        var whole = DeviceMask()
        if r.wholeCount > 0 {
            let (taken, failed) = pickWhole(r, blocked: thermal.blocked, choice: choice)
            if let p = failed { return .fails(.devices(diagnoseWhole(r, part: p, blocked: thermal.blocked, taken: taken))) }
            whole = taken
        }
        let freeUnits = freeDeviceUnits
        guard r.sliceCount > 0 else {
            let a = DeviceAssignment(whole: whole)
            return .fits(score(ctx, pi, slot, a, thermal, freeUnits: freeUnits), a)
        }
        var cand = sliceCandidates(r, blocked: thermal.blocked, excluding: whole)
        if cand.count < r.sliceCount { return .fails(.devices(diagnose(r, blocked: thermal.blocked, excluding: whole))) }
        // Devices in the soft thermal band only when the cooler ones do not suffice.
        let cool = cand.subtracting(thermal.avoid)
        if cool.count >= r.sliceCount { cand = cool }
        if cand.count == r.sliceCount {
            let a = DeviceAssignment(whole: whole, slices: cand)
            return .fits(score(ctx, pi, slot, a, thermal, freeUnits: freeUnits), a)
        }
        // Score each candidate device as the slice's home; devices in the same state score the same, so
        // each state is scored once and the lowest position of it wins.
        // Equal scores go to the cooler device, then the lower position.
        var seen: [(Int, Int, Double)] = []
        var ranked: [(score: Double, heat: Double, pos: Int)] = []
        for i in cand {
            let heat = thermal.heat.map { i < $0.count ? $0[i] : 0 } ?? 0
            let key = (devices[i].freeCores, devices[i].freeMemoryMiB, heat)
            if seen.contains(where: { $0 == key }) && r.sliceCount == 1 { continue }
            seen.append(key)
            let a = DeviceAssignment(whole: whole, slices: DeviceMask(bits: 1 << UInt64(i)))
            ranked.append((score(ctx, pi, slot, a, thermal, freeUnits: freeUnits), heat, i))
        }
        if r.sliceCount == 1 {
            var best = ranked[0]
            for c in ranked.dropFirst() where c.score > best.score || (c.score == best.score && c.heat < best.heat) { best = c }
            let a = DeviceAssignment(whole: whole, slices: DeviceMask(bits: 1 << UInt64(best.pos)))
            return .fits(best.score, a)
        }
        ranked.sort { ($0.score, -$0.heat, -$0.pos) > ($1.score, -$1.heat, -$1.pos) }
        var slices = DeviceMask()
        for c in ranked.prefix(r.sliceCount) { slices.insert(c.pos) }
        let a = DeviceAssignment(whole: whole, slices: slices)
        return .fits(score(ctx, pi, slot, a, thermal, freeUnits: freeUnits), a)
    }

    func score(_ ctx: ScanContext, _ pi: Int, _ slot: Int, _ a: DeviceAssignment, _ thermal: NodeThermalState,
               freeUnits: Double) -> Double {
        let total = ctx.weights[pi]
        guard total > 0 else { return 0 }
        var sum = 0.0
        for t in ctx.policies[pi].profile.terms {
            sum += t.weight * component(t.policy, ctx, slot, a, thermal, freeUnits: freeUnits)
        }
        return sum / total
    }

    func component(_ p: ScorePolicy, _ ctx: ScanContext, _ slot: Int, _ a: DeviceAssignment, _ thermal: NodeThermalState,
                   freeUnits: Double) -> Double {
        let s: Double
        switch p {
        case .nodeBinpack: s = 10 * utilizationAfter(ctx.r)
        case .nodeSpread: s = 10 * (1 - utilizationAfter(ctx.r))
        case .deviceBinpack: s = deviceFillAfter(ctx.r, a).map { 10 * $0 } ?? 5
        case .deviceSpread: s = deviceFillAfter(ctx.r, a).map { 10 * (1 - $0) } ?? 5
        case .fragmentation:
            s = Self.fragmentationScore(strandedGrowth: strandedGrowth(ctx.r, a, demand: ctx.demand, freeUnits: freeUnits))
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
        let pi = ctx.policyIndex(self)
        let policy = ctx.policies[pi]
        let thermal = policy.thermal.isEnabled ? policy.thermal.evaluate(self, now: ctx.now) : .neutral
        var out: [ScorePolicy: Double] = [:]
        for t in policy.profile.terms { out[t.policy] = component(t.policy, ctx, slot, a, thermal, freeUnits: freeDeviceUnits) }
        return out
    }
}
