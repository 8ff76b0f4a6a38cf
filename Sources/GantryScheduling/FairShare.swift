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
    /// Resources shared out: those the cluster has.
    public let resources: [String]
    private var index: [String: Int] = [:]
    /// Per queue (by `index`), per resource (by `resources` order).
    private var shareValues: [[Double]] = []
    private var demandValues: [[Double]] = []

    /// Computes every queue's fair share of `capacity`. Works on arrays by queue and resource index, so
    /// 1,000 queues take about a millisecond (docs/benchmarks.md).
    public init(tree: QueueTree, capacity: ResourceVector) {
        self.capacity = capacity
        resources = capacity.names
        let names = tree.queues.keys.sorted()
        for (i, n) in names.enumerated() { index[n] = i }
        let specs = names.map { tree.queues[$0]! }
        let kids = names.map { (tree.children[$0] ?? []).compactMap { index[$0] } }
        let roots = tree.roots.compactMap { index[$0] }
        let nr = resources.count
        let caps = specs.map { s in resources.map { s.cap($0) } }
        let own = specs.map { s in resources.map { s.allocated[$0] + s.pending[$0] } }
        demandValues = Array(repeating: Array(repeating: 0, count: nr), count: names.count)
        shareValues = demandValues
        // Demand of each subtree, capped by each limit on the way up (post-order).
        func demand(_ q: Int) -> [Double] {
            var d = own[q]
            for c in kids[q] {
                let cd = demand(c)
                for r in 0..<nr { d[r] += cd[r] }
            }
            for r in 0..<nr { d[r] = min(d[r], caps[q][r]) }
            demandValues[q] = d
            return d
        }
        for q in roots { _ = demand(q) }
        let guaranteed = specs.map { s in resources.map { s.guaranteed[$0] } }
        func distribute(_ amount: [Double], _ qs: [Int]) {
            guard !qs.isEmpty else { return }
            for r in 0..<nr {
                let claims = qs.map { q -> Claim in
                    let ceiling = min(caps[q][r], demandValues[q][r])
                    return Claim(weight: specs[q].weight, floor: min(guaranteed[q][r], ceiling), ceiling: ceiling)
                }
                for (q, v) in zip(qs, Self.waterFill(amount[r], claims: claims)) { shareValues[q][r] = v }
            }
            for q in qs { distribute(shareValues[q], kids[q]) }
        }
        distribute(resources.map { capacity[$0] }, roots)
    }

    public func share(of queue: String) -> ResourceVector {
        guard let i = index[queue] else { return .zero }
        return ResourceVector(Dictionary(uniqueKeysWithValues: zip(resources, shareValues[i])))
    }

    /// Demand of the queue's subtree as used for the ceilings.
    public func demand(of queue: String) -> ResourceVector {
        guard let i = index[queue] else { return .zero }
        return ResourceVector(Dictionary(uniqueKeysWithValues: zip(resources, demandValues[i])))
    }

    /// Dominant share of the queue's fair share, without building a vector.
    func fairDominantShare(_ queue: String) -> Double {
        guard let i = index[queue] else { return 0 }
        var best = 0.0
        for (r, v) in shareValues[i].enumerated() where v > 0 {
            let c = capacity[resources[r]]
            best = max(best, c > 0 ? v / c : 1)
        }
        return best
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
        for (r, v) in allocated.values where v > 0 {
            let s = capacity[r] > 0 ? v / capacity[r] : 1
            if s > best || (s == best && name.map { r < $0 } ?? true) { best = s; name = r }
        }
        return (best, name)
    }

    /// Use relative to entitlement: dominant share of what the queue holds over the dominant share of its fair
    /// share. 1 = exactly at its share; below 1 it may reclaim, above it may be reclaimed from.
    public func usageRatio(_ allocated: ResourceVector, queue: String) -> Double {
        let used = Self.dominantShare(allocated, of: capacity).share
        let fair = fairDominantShare(queue)
        if fair <= 0 { return used > 0 ? .infinity : 0 }
        return used / fair
    }
}
