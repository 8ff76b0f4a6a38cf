// Fair shares over the quota tree by weighted water-filling (DESIGN §6.1): at each level a parent's share of
// every resource is poured into its children in proportion to weight; each child's guaranteed amount is a
// floor handed out first, and its limit and demand are ceilings. Dominant shares (DRF) measure use against
// cluster capacity with devices in device units, so fractional slices count fractionally.

import Foundation

public struct FairShare: Sendable {
    /// One child's claim on a parent's amount of one resource.
    public struct Claim: Hashable, Sendable {
        public var weight: Double
        /// Given before anything is shared by weight (guaranteed, capped by the ceiling).
        public var floor: Double
        /// Never exceeded (min of limit and demand).
        public var ceiling: Double

        public init(weight: Double, floor: Double = 0, ceiling: Double = .infinity) {
            self.weight = weight
            self.floor = floor
            self.ceiling = ceiling
        }
    }

    public let capacity: ResourceVector
    /// Fair share per queue (inner queues: what their subtree shares).
    public private(set) var shares: [String: ResourceVector] = [:]
    /// Demand per queue subtree, as used for the ceilings.
    public private(set) var demands: [String: ResourceVector] = [:]

    /// Computes every queue's fair share of `capacity`.
    public init(tree: QuotaTree, capacity: ResourceVector) {
        self.capacity = capacity
        computeDemands(tree, tree.roots)
        distribute(tree, capacity, among: tree.roots)
    }

    public func share(of queue: String) -> ResourceVector { shares[queue] ?? .zero }

    @discardableResult
    private mutating func computeDemands(_ tree: QuotaTree, _ qs: [String]) -> ResourceVector {
        var sum = ResourceVector.zero
        for q in qs {
            guard let s = tree.queues[q] else { continue }
            let total = s.allocated + s.pending + computeDemands(tree, tree.children[q] ?? [])
            var capped = total
            for (r, v) in total.values { capped[r] = min(v, s.cap(r)) }
            demands[q] = capped
            sum += capped
        }
        return sum
    }

    private mutating func distribute(_ tree: QuotaTree, _ amount: ResourceVector, among qs: [String]) {
        guard !qs.isEmpty else { return }
        var out = [String: ResourceVector]()
        for q in qs { out[q] = .zero }
        for r in amount.names {
            let claims = qs.map { q -> Claim in
                let s = tree.queues[q]!
                let ceiling = min(s.cap(r), demands[q]?[r] ?? 0)
                return Claim(weight: s.weight, floor: min(s.guaranteed[r], ceiling), ceiling: ceiling)
            }
            for (q, v) in zip(qs, Self.waterFill(amount[r], claims: claims)) { out[q]![r] = v }
        }
        for q in qs {
            shares[q] = out[q]!
            distribute(tree, out[q]!, among: tree.children[q] ?? [])
        }
    }

    /// Pours `amount` into the claims: share_i = min(ceiling_i, max(floor_i, λ·weight_i)) with the level λ
    /// chosen so the shares add up to `amount` (or to every ceiling when there is more than enough).
    /// Floors that alone exceed the amount are scaled down in proportion.
    public static func waterFill(_ amount: Double, claims: [Claim]) -> [Double] {
        let n = claims.count
        guard n > 0 else { return [] }
        let a = amount.isFinite ? max(0, amount) : 0
        let ceil = claims.map { $0.ceiling.isNaN ? 0 : max(0, $0.ceiling) }
        let floor = claims.indices.map { min(max(0, claims[$0].floor.isFinite ? claims[$0].floor : 0), ceil[$0]) }
        let w = claims.map { $0.weight.isFinite && $0.weight > 0 ? $0.weight : 1 }
        let floors = floor.reduce(0, +)
        if floors >= a { return floors > 0 ? floor.map { $0 * a / floors } : Array(repeating: 0, count: n) }
        if ceil.reduce(0, +) <= a { return ceil }
        // Sweep the breakpoints of the piecewise linear total: claim i starts growing at floor/w, stops at ceiling/w.
        var events: [(level: Double, i: Int, start: Bool)] = []
        for i in 0..<n where ceil[i] > floor[i] {
            events.append((floor[i] / w[i], i, true))
            events.append((ceil[i] / w[i], i, false))
        }
        events.sort { $0.level != $1.level ? $0.level < $1.level : (!$0.start && $1.start) }
        var constant = floors
        var slope = 0.0
        var level = 0.0
        for e in events {
            let reached = constant + slope * e.level
            if reached >= a { break }
            level = e.level
            if e.start {
                constant -= floor[e.i]
                slope += w[e.i]
            } else {
                constant += ceil[e.i]
                slope -= w[e.i]
            }
        }
        if slope > 0 { level = max(level, (a - constant) / slope) }
        return (0..<n).map { i in min(ceil[i], max(floor[i], level * w[i])) }
    }

    /// DRF dominant share: the largest fraction of cluster capacity the allocation takes of any resource
    /// (a resource the cluster lacks but the allocation uses counts as 1). Ties go to the first name.
    public static func dominantShare(_ allocated: ResourceVector, of capacity: ResourceVector) -> (share: Double, resource: String?) {
        var best = 0.0
        var name: String? = nil
        for r in allocated.names where allocated[r] > 0 {
            let s = capacity[r] > 0 ? allocated[r] / capacity[r] : 1
            if s > best { best = s; name = r }
        }
        return (best, name)
    }

    /// Use relative to entitlement: dominant share of what the queue holds over the dominant share of its fair
    /// share. 1 = exactly at its share; below 1 it may reclaim, above it may be reclaimed from.
    public func usageRatio(_ allocated: ResourceVector, queue: String) -> Double {
        let used = Self.dominantShare(allocated, of: capacity).share
        let fair = Self.dominantShare(share(of: queue), of: capacity).share
        if fair <= 0 { return used > 0 ? .infinity : 0 }
        return used / fair
    }
}
