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
        // Plain loops over a buffer pointer: a nested function capturing `result` made every append a dynamic
        // exclusivity check and copied each node.
        ledger.nodes.withUnsafeBufferPointer { buffer in
            guard let nodes = buffer.baseAddress else { return }
            if let names = candidates {
                for name in names {
                    if let slot = ledger.slot(of: name) {
                        Self.visit(nodes + slot, slot: slot, ctx, &result.feasible, &result.rejected)
                    } else {
                        result.rejected.append(NodeRejection(node: name, failure: .unknownNode(name)))
                    }
                }
            } else {
                for slot in 0..<buffer.count where nodes[slot].active {
                    Self.visit(nodes + slot, slot: slot, ctx, &result.feasible, &result.rejected)
                }
            }
        }
        // The pick goes first; the rest stay in node order (kube-scheduler needs scores, not an order, and a
        // full sort of 5,000 nodes costs as much as scoring them). `ranked` sorts on demand.
        let rank = ledger.nameRank
        var top = -1, topScore = 0.0, topRank = 0
        for i in result.feasible.indices {
            let score = result.feasible[i].score, r = rank[result.feasible[i].slot]
            if top < 0 || score > topScore || (score == topScore && r < topRank) { top = i; topScore = score; topRank = r }
        }
        if top > 0 { result.feasible.swapAt(0, top) }
        result.nameRank = rank
        // Only the pick is explained policy by policy; computing it for every node would double the cost.
        if let b = result.feasible.first {
            result.feasible[0].components = ledger.nodes[b.slot].components(ctx, slot: b.slot, b.assignment)
        }
        return result
    }

    @inline(__always)
    static func visit(_ node: UnsafePointer<LedgerNode>, slot: Int, _ ctx: ScanContext, _ feasible: inout [NodeChoice],
                      _ rejected: inout [NodeRejection]) {
        var a = DeviceAssignment.none
        let score = LedgerNode.place(at: node, ctx, slot: slot, &a)
        if score > -.infinity {
            feasible.append(NodeChoice(node: node.pointee.name, slot: slot, score: score, assignment: a, components: [:]))
        } else {
            rejected.append(NodeRejection(node: node.pointee.name, failure: node.pointee.failure(ctx)))
        }
    }

    /// The best node only, without rejection details: the hot path for simulators and the gang planner.
    public func best(_ request: PodRequest, in ledger: DeviceLedger, now: Date, gang: GangContext? = nil,
                     excluding: Set<Int> = []) -> NodeChoice? {
        if Self.invalid(request) != nil { return nil }
        return best(ScanContext(ledger.compile(request), ledger: ledger, engine: self, now: now, gang: gang), in: ledger,
                    excluding: excluding)
    }

    func best(_ ctx: ScanContext, in ledger: DeviceLedger, slots: [Int]? = nil, excluding: Set<Int> = []) -> NodeChoice? {
        var top = Top()
        // Through a buffer pointer: reading `ledger.nodes[slot]` directly copies each node (and retains its
        // strings and arrays), which was a fifth of the time. No nested function capturing the running best:
        // that made every update a dynamic exclusivity check.
        let rank = ledger.nameRank
        var skip: [Bool] = []
        if !excluding.isEmpty {
            skip = [Bool](repeating: false, count: ledger.nodes.count)
            for s in excluding where s >= 0 && s < skip.count { skip[s] = true }
        }
        ledger.nodes.withUnsafeBufferPointer { buffer in
            guard let nodes = buffer.baseAddress else { return }
            if let slots {
                for s in slots where s >= 0 && s < buffer.count && (skip.isEmpty || !skip[s]) {
                    top.offer(nodes + s, slot: s, ctx, rank)
                }
            } else if skip.isEmpty {
                for s in 0..<buffer.count { top.offer(nodes + s, slot: s, ctx, rank) }
            } else {
                for s in 0..<buffer.count where !skip[s] { top.offer(nodes + s, slot: s, ctx, rank) }
            }
        }
        guard top.slot >= 0, top.score > -.infinity else { return nil }
        return NodeChoice(node: ledger.nodes[top.slot].name, slot: top.slot, score: top.score, assignment: top.assignment,
                          components: [:])
    }

    /// The running best of a scan: higher score, then lower name rank.
    struct Top {
        var slot = -1
        var score = -Double.infinity
        var assignment = DeviceAssignment.none

        @inline(__always)
        mutating func offer(_ node: UnsafePointer<LedgerNode>, slot s: Int, _ ctx: ScanContext, _ rank: [Int]) {
            guard node.pointee.active else { return }
            var a = DeviceAssignment.none
            let v = LedgerNode.place(at: node, ctx, slot: s, &a)
            if v > score || (v == score && v > -.infinity && rank[s] < rank[slot]) {
                slot = s
                score = v
                assignment = a
            }
        }
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
    /// The same sets as flags by slot and by rack code, so the per-node gang score hashes nothing.
    let gangSlotFlags: [Bool]
    let gangRackFlags: [Bool]

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
        (gangSlotFlags, gangRackFlags) = Self.flags(gangSlots, gangRacks, ledger)
    }

    static func flags(_ slots: Set<Int>, _ racks: Set<Int32>, _ ledger: DeviceLedger) -> ([Bool], [Bool]) {
        var s = [Bool](repeating: false, count: slots.isEmpty ? 0 : ledger.nodes.count)
        for i in slots where i >= 0 && i < s.count { s[i] = true }
        var r = [Bool](repeating: false, count: racks.isEmpty ? 0 : ledger.racks.count)
        for c in racks where c >= 0 && Int(c) < r.count { r[Int(c)] = true }
        return (s, r)
    }

    @inline(__always) func inGangNode(_ slot: Int) -> Bool { slot >= 0 && slot < gangSlotFlags.count && gangSlotFlags[slot] }
    @inline(__always) func inGangRack(_ rack: Int32) -> Bool { rack >= 0 && Int(rack) < gangRackFlags.count && gangRackFlags[Int(rack)] }

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
        (gangSlotFlags, gangRackFlags) = Self.flags(gangSlots, gangRacks, ledger)
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
        var node = self
        return node.placeInPlace(ctx, slot: slot, &a)
    }

    /// `place` for the node at `node`, read where it lies. Calling a method on `node.pointee` copies the node
    /// first (two retains, two releases and a 200-byte copy per node, a quarter of the scan): the optimizer
    /// cannot prove nothing writes that memory during the call. Inside a `mutating` method `self` is an
    /// exclusive inout access, so it is borrowed in place. Nothing is written.
    @inline(__always)
    static func place(at node: UnsafePointer<LedgerNode>, _ ctx: ScanContext, slot: Int, _ a: inout DeviceAssignment) -> Double {
        UnsafeMutablePointer(mutating: node).pointee.placeInPlace(ctx, slot: slot, &a)
    }

    /// `place`'s body; `mutating` only so that `self` is borrowed in place (see `place(at:)`), it never writes.
    private mutating func placeInPlace(_ ctx: ScanContext, slot: Int, _ a: inout DeviceAssignment) -> Double {
        if !fitsBasics(ctx.r) { return -.infinity }
        let pi = ctx.policyIndex(poolCode)
        if let policy = ctx.thermal[pi] {
            let thermal = policy.evaluate(self, now: ctx.now)
            if thermal.violation != nil { return -.infinity }
            return placeDevices(ctx, pi, slot, thermal, &a)
        }
        // No thermal policy: no state to build (and destroy) for every node.
        return placeDevices(ctx, pi, slot, nil, &a)
    }

    /// Device fit and score after the node-level checks; `thermal` nil means the neutral state (nothing
    /// blocked or avoided, no heat, headroom 10).
    @inline(__always)
    private func placeDevices(_ ctx: ScanContext, _ pi: Int, _ slot: Int, _ thermal: NodeThermalState?,
                              _ a: inout DeviceAssignment) -> Double {
        let r = ctx.r
        let blocked = thermal?.blocked ?? .empty
        let avoid = thermal?.avoid ?? .empty
        if r.wholeCount == 0 && r.sliceCount == 0 {
            a = .none
            return NodeScorer.of(self, ctx, pi, slot).score(self, ctx, .none, thermal)
        }
        var whole = DeviceMask()
        if r.wholeCount > 0 {
            guard let taken = pickWholeFast(r, blocked: blocked, avoid: avoid, heat: thermal?.heat) else { return -.infinity }
            whole = taken
        }
        guard r.sliceCount > 0 else {
            a = DeviceAssignment(whole: whole)
            return NodeScorer.of(self, ctx, pi, slot).score(self, ctx, a, thermal)
        }
        var cand = openSliceCandidates(r, skip: blocked.union(whole))
        let k = r.sliceCount
        if cand.count < k { return -.infinity }
        // Devices in the soft thermal band only when the cooler ones do not suffice.
        let cool = cand.subtracting(avoid)
        if cool.count >= k { cand = cool }
        let scorer = NodeScorer.of(self, ctx, pi, slot)
        if cand.count == k {
            a = DeviceAssignment(whole: whole, slices: cand)
            return scorer.score(self, ctx, a, thermal)
        }
        // Score each candidate device as a slice's home (with the whole devices); equal scores go to the
        // cooler device, then the lower position. A device in the same state (free cores, free memory, heat)
        // as a lower candidate takes that candidate's score, as it always has; with one slice such a device
        // can never win, so it is skipped.
        let rating = SliceRating.of(self, ctx, scorer, whole: whole, thermal)
        if k == 1 {
            var bestScore = -Double.infinity, bestHeat = 0.0, bestPos = -1
            var rest = cand.bits
            while rest != 0 {
                let i = rest.trailingZeroBitCount
                rest &= rest &- 1
                let heat = Self.heat(thermal, i)
                if sameState(below: i, in: cand, as: i, heat: heat, thermal) >= 0 { continue }
                let s = rating.score(self, ctx, i, thermal)
                if s > bestScore || (s == bestScore && heat < bestHeat) { bestScore = s; bestHeat = heat; bestPos = i }
            }
            a = DeviceAssignment(whole: whole, slices: DeviceMask(bits: 1 << UInt64(bestPos)))
            return bestScore
        }
        let chosen = withUnsafeTemporaryAllocation(of: Double.self, capacity: devices.count) { scores in
            pickSlices(k, from: cand, rating, ctx, thermal, scores)
        }
        a = DeviceAssignment(whole: whole, slices: chosen)
        return scorer.score(self, ctx, a, thermal)
    }

    /// `k` slice homes from `cand`, each pass taking the best remaining device by its rating (`scores` holds
    /// one per candidate position).
    @inline(__always)
    private func pickSlices(_ k: Int, from cand: DeviceMask, _ rating: SliceRating, _ ctx: ScanContext,
                            _ thermal: NodeThermalState?, _ scores: UnsafeMutableBufferPointer<Double>) -> DeviceMask {
        var rest = cand.bits
        while rest != 0 {
            let i = rest.trailingZeroBitCount
            rest &= rest &- 1
            let j = sameState(below: i, in: cand, as: i, heat: Self.heat(thermal, i), thermal)
            scores[i] = j >= 0 ? scores[j] : rating.score(self, ctx, i, thermal)
        }
        var slices = DeviceMask()
        for _ in 0..<k {
            var bestScore = -Double.infinity, bestHeat = 0.0, bestPos = -1
            var left = cand.bits & ~slices.bits
            while left != 0 {
                let i = left.trailingZeroBitCount
                left &= left &- 1
                let s = scores[i], heat = Self.heat(thermal, i)
                if s > bestScore || (s == bestScore && heat < bestHeat) { bestScore = s; bestHeat = heat; bestPos = i }
            }
            slices.insert(bestPos)
        }
        return slices
    }

    /// The lowest candidate below position `limit` in the same state as device `i` (free cores, free memory,
    /// heat), or -1.
    @inline(__always)
    private func sameState(below limit: Int, in cand: DeviceMask, as i: Int, heat: Double, _ thermal: NodeThermalState?) -> Int {
        var earlier = cand.bits & ((1 << UInt64(limit)) &- 1)
        if earlier == 0 { return -1 }
        let cores = devices[i].freeCores, memory = devices[i].freeMemoryMiB
        while earlier != 0 {
            let j = earlier.trailingZeroBitCount
            earlier &= earlier &- 1
            if devices[j].freeCores == cores && devices[j].freeMemoryMiB == memory && Self.heat(thermal, j) == heat { return j }
        }
        return -1
    }

    /// Effective temperature of device `i` for tie-breaks (0 without a chip threshold).
    @inline(__always)
    static func heat(_ thermal: NodeThermalState?, _ i: Int) -> Double {
        guard let h = thermal?.heat else { return 0 }
        return i < h.count ? h[i] : 0
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
            if !ctx.hasGang { s = 5 } else if ctx.inGangNode(slot) { s = 10 } else {
                s = rackCode >= 0 && ctx.inGangRack(rackCode) ? 7 : 0
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

/// The parts of one node's score that do not depend on which devices it gets, computed once per node and
/// decision; `score` adds the device-dependent parts exactly as `LedgerNode.score` does (same operations in
/// the same order, so the same bits).
struct NodeScorer {
    let w: ProfileWeights
    var nodeBinpack = 0.0, nodeSpread = 0.0, gang = 0.0
    /// Starved device units before placement (fragmentation only).
    var before = 0.0

    /// Through a static function, not an initializer: initializers take their arguments owned, which copied
    /// the node (and retained its references) for every call.
    @inline(__always)
    static func of(_ node: LedgerNode, _ ctx: ScanContext, _ pi: Int, _ slot: Int) -> NodeScorer {
        var s = NodeScorer(w: ctx.weights[pi])
        s.fill(node, ctx, slot)
        return s
    }

    @inline(__always) init(w: ProfileWeights) { self.w = w }

    @inline(__always)
    private mutating func fill(_ node: LedgerNode, _ ctx: ScanContext, _ slot: Int) {
        guard w.total > 0 else { return }
        let t = node.totals
        if w.nodeBinpack > 0 || w.nodeSpread > 0 {
            let u = node.utilizationAfter(ctx.r, t)
            if w.nodeBinpack > 0 { nodeBinpack = Self.clamp(10 * u) }
            if w.nodeSpread > 0 { nodeSpread = Self.clamp(10 * (1 - u)) }
        }
        if w.gang > 0 {
            let s: Double
            if !ctx.hasGang { s = 5 } else if ctx.inGangNode(slot) { s = 10 } else {
                s = node.rackCode >= 0 && ctx.inGangRack(node.rackCode) ? 7 : 0
            }
            gang = Self.clamp(s)
        }
        if w.fragmentation > 0 {
            before = LedgerNode.starved(freeUnits: t.freeUnits, cpuFree: node.cpuFree, memoryFree: node.memoryFree, mix: ctx.mix)
        }
    }

    /// `component`'s clamp.
    @inline(__always) static func clamp(_ s: Double) -> Double { min(10, max(0, s.isNaN ? 0 : s)) }

    var needsFill: Bool { w.deviceBinpack > 0 || w.deviceSpread > 0 }

    /// The weighted mean from the device-dependent parts: fill after placement (nil without devices), growth of
    /// stranded capacity, thermal headroom.
    @inline(__always)
    func combine(fill: Double?, growth: Double, headroom: Double) -> Double {
        guard w.total > 0 else { return 0 }
        var sum = 0.0
        if w.nodeBinpack > 0 { sum += w.nodeBinpack * nodeBinpack }
        if w.nodeSpread > 0 { sum += w.nodeSpread * nodeSpread }
        if w.deviceBinpack > 0 { sum += w.deviceBinpack * Self.clamp(fill.map { 10 * $0 } ?? 5) }
        if w.deviceSpread > 0 { sum += w.deviceSpread * Self.clamp(fill.map { 10 * (1 - $0) } ?? 5) }
        if w.fragmentation > 0 { sum += w.fragmentation * Self.clamp(LedgerNode.fragmentationScore(strandedGrowth: growth)) }
        if w.thermal > 0 { sum += w.thermal * Self.clamp(headroom) }
        if w.gang > 0 { sum += w.gang * gang }
        return sum / w.total
    }

    /// `LedgerNode.score` of assignment `a`.
    @inline(__always)
    func score(_ node: LedgerNode, _ ctx: ScanContext, _ a: DeviceAssignment, _ thermal: NodeThermalState?) -> Double {
        guard w.total > 0 else { return 0 }
        let fill = needsFill ? node.deviceFillAfter(ctx.r, a) : nil
        let growth = w.fragmentation > 0
            ? node.strandedGrowth(ctx.r, a, mix: ctx.mix, freeUnits: node.totals.freeUnits, before: before) : 0
        let headroom = w.thermal > 0 ? (thermal?.headroom(for: a) ?? 10) : 0
        return combine(fill: fill, growth: growth, headroom: headroom)
    }
}

/// Scores of "the whole devices plus one slice on device i" for every candidate i of one node: what does not
/// depend on i is computed once.
struct SliceRating {
    let scorer: NodeScorer
    let wholeCount: Int
    /// Stranded growth without the slice's dead share: (after - before), the same for every candidate.
    var starvedGrowth = 0.0
    /// Headroom of the whole devices alone (chassis, rack, their chips).
    var baseHeadroom = 10.0

    @inline(__always)
    static func of(_ node: LedgerNode, _ ctx: ScanContext, _ scorer: NodeScorer, whole: DeviceMask,
                   _ thermal: NodeThermalState?) -> SliceRating {
        var s = SliceRating(scorer: scorer, wholeCount: whole.count)
        s.fill(node, ctx, whole, thermal)
        return s
    }

    @inline(__always) init(scorer: NodeScorer, wholeCount: Int) {
        self.scorer = scorer
        self.wholeCount = wholeCount
    }

    @inline(__always)
    private mutating func fill(_ node: LedgerNode, _ ctx: ScanContext, _ whole: DeviceMask, _ thermal: NodeThermalState?) {
        let r = ctx.r
        if scorer.w.fragmentation > 0 {
            var taken = 0
            for i in whole where i < node.devices.count { taken += max(0, node.devices[i].freeCores) }
            taken += Int(r.sliceCores)
            let after = LedgerNode.starved(freeUnits: node.totals.freeUnits - Double(taken) / 100, cpuFree: node.cpuFree - r.cpu,
                                           memoryFree: node.memoryFree - r.memory, mix: ctx.mix)
            starvedGrowth = after - scorer.before
        }
        if scorer.w.thermal > 0, let thermal { baseHeadroom = thermal.headroom(for: DeviceAssignment(whole: whole)) }
    }

    /// `LedgerNode.score` of the whole devices plus one slice on device `i`.
    @inline(__always)
    func score(_ node: LedgerNode, _ ctx: ScanContext, _ i: Int, _ thermal: NodeThermalState?) -> Double {
        let w = scorer.w
        guard w.total > 0 else { return 0 }
        let r = ctx.r
        var fill: Double? = nil
        if scorer.needsFill {
            // deviceFillAfter: 1 per whole device, then the slice's fill, over the device count.
            var sum = 0.0
            sum += Double(wholeCount)
            sum += node.sliceFillAfter(r, at: i)
            fill = sum / Double(wholeCount + 1)
        }
        var growth = 0.0
        if w.fragmentation > 0 {
            let free = node.devices[i].freeCores
            var dead = 0.0
            dead += ctx.mix.dead(free - Int(r.sliceCores)) - ctx.mix.dead(free)
            growth = starvedGrowth + dead / 100
        }
        var headroom = 0.0
        if w.thermal > 0 {
            headroom = baseHeadroom
            // Order does not matter: min over values that are never NaN (headroom ignores a NaN reading).
            if let thermal, let t = thermal.chip, let heat = thermal.heat, i < heat.count {
                headroom = min(headroom, ThermalPolicy.headroom(heat[i], t))
            }
        }
        return scorer.combine(fill: fill, growth: growth, headroom: headroom)
    }
}
