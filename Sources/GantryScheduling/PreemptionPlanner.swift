// Victim selection (DESIGN §6.5): free room for a pod or gang by evicting only work of lower priority,
// preemptible work of equal priority, or equal-priority work of a queue above its fair share while the
// requester's queue is below its own. Never work of higher priority; whole gangs only, except members
// above a running gang's minimum; the fewest device-seconds lost; every victim explained.

import Foundation

public struct PreemptionRequest: Hashable, Sendable {
    /// The requester's workload key: its own pods are never victims.
    public var workload: String
    /// The pods that must fit (a single pod is a gang of one with minMember 1).
    public var gang: GangSpec
    public var priority: Int
    public var queue: String?

    public init(workload: String, gang: GangSpec, priority: Int, queue: String? = nil) {
        self.workload = workload
        self.gang = gang
        self.priority = priority
        self.queue = queue
    }
}

public struct Victim: Hashable, Sendable, CustomStringConvertible {
    public var workload: String
    /// Allocation (pod) IDs to evict.
    public var allocations: [String]
    public var nodes: [String]
    public var priority: Int
    public var queue: String?
    /// Device units × seconds running, summed over the evicted pods: the work lost.
    public var deviceSeconds: Double
    /// The whole workload goes (false: only members above its gang minimum).
    public var wholeWorkload: Bool
    /// Why it may be evicted.
    public var reason: String

    public var description: String {
        let what = wholeWorkload ? "evict \(workload)" : "evict \(allocations.count) surplus member(s) of \(workload)"
        let hours = (deviceSeconds / 3600 * 100).rounded() / 100
        return "\(what) (\(allocations.count) pod(s) on \(nodes.joined(separator: ", "))): \(reason); loses \(hours) device-hours"
    }
}

public struct PreemptionPlan: Sendable {
    public var victims: [Victim]
    /// Where the requester goes once the victims are gone.
    public var placement: GangPlan
    public var deviceSeconds: Double { victims.reduce(0) { $0 + $1.deviceSeconds } }
    public var explanation: String {
        victims.isEmpty ? "fits without preemption" : victims.map(\.description).joined(separator: "; ")
    }
}

public struct PreemptionFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

public struct PreemptionPlanner: Sendable {
    public var planner: GangPlanner

    public init(planner: GangPlanner = GangPlanner()) { self.planner = planner }

    /// One evictable unit: a whole workload, or one member above a running gang's minimum.
    struct Unit {
        var key: String
        var ids: [String]
        var whole: Bool
        var priority: Int
        var queue: String?
        var cost: Double
        var reason: String
    }

    /// `usageRatios`: per queue, dominant share over fair dominant share (FairShare.usageRatio); it enables
    /// reclaim between queues of equal priority.
    public func plan(_ req: PreemptionRequest, in ledger: DeviceLedger, usageRatios: [String: Double] = [:],
                     now: Date) -> Result<PreemptionPlan, PreemptionFailure> {
        if case .success(let p) = planner.plan(req.gang, in: ledger, now: now) {
            return .success(PreemptionPlan(victims: [], placement: p))
        }
        let (units, excluded) = candidates(req, ledger: ledger, usageRatios: usageRatios, now: now)
        let relevant = relevantNodes(req, ledger: ledger, now: now)
        let useful = units.filter { u in u.ids.contains { relevant.contains(ledger.allocation($0)?.node ?? "") } }
        if useful.isEmpty {
            var why = "no evictable work on the nodes where it could fit"
            if !excluded.isEmpty { why += " (\(excluded.count) workload(s) there are protected: \(excluded.sorted().prefix(3).joined(separator: "; ")))" }
            if relevant.isEmpty { why = "no node could fit it even if emptied (device models, sizes, pools or hard thermal limits)" }
            return .failure(PreemptionFailure(reason: why))
        }
        let chosen: [Unit]?
        if req.gang.members.count == 1 {
            chosen = cheapestOnOneNode(req, units: useful, ledger: ledger, now: now)
        } else {
            chosen = greedy(req, units: useful, ledger: ledger, now: now)
        }
        guard let victims = chosen else {
            return .failure(PreemptionFailure(reason: "evicting every eligible workload (\(useful.count)) still frees too little"))
        }
        var scratch = ledger
        for u in victims { for id in u.ids { scratch.release(id) } }
        guard case .success(let placement) = planner.plan(req.gang, in: scratch, now: now) else {
            return .failure(PreemptionFailure(reason: "victims found but the placement could not be confirmed"))
        }
        return .success(PreemptionPlan(victims: victims.map { victim($0, ledger) }, placement: placement))
    }

    func victim(_ u: Unit, _ ledger: DeviceLedger) -> Victim {
        let nodes = Set(u.ids.compactMap { ledger.allocation($0)?.node }).sorted()
        return Victim(workload: u.key, allocations: u.ids.sorted(), nodes: nodes, priority: u.priority, queue: u.queue,
                      deviceSeconds: u.cost, wholeWorkload: u.whole, reason: u.reason)
    }

    /// Evictable units, cheapest first, and the protected workloads with why.
    func candidates(_ req: PreemptionRequest, ledger: DeviceLedger, usageRatios: [String: Double],
                    now: Date) -> ([Unit], [String]) {
        var groups: [String: [Allocation]] = [:]
        for a in ledger.allocations.values where a.reservation == nil {
            let key = a.owner.workload ?? a.owner.gang ?? "pod/\(a.id)"
            if key != req.workload { groups[key, default: []].append(a) }
        }
        var units: [Unit] = []
        var excluded: [String] = []
        let myRatio = req.queue.flatMap { usageRatios[$0] }
        for key in groups.keys.sorted() {
            let members = groups[key]!.sorted { $0.id < $1.id }
            let priority = members.map(\.owner.priority).max() ?? 0
            let preemptible = members.allSatisfy(\.owner.preemptible)
            let queue = members.first?.owner.queue
            let reason: String
            if priority > req.priority {
                excluded.append("\(key) has higher priority \(priority)")
                continue
            } else if priority < req.priority {
                reason = "priority \(priority) < \(req.priority)"
            } else if preemptible {
                reason = "preemptible at equal priority \(priority)"
            } else if let q = queue, q != req.queue, let theirs = usageRatios[q], theirs > 1, let mine = myRatio, mine < 1 {
                reason = "queue \(q) is above its fair share (\(Self.pct(theirs))) while \(req.queue ?? "") is below (\(Self.pct(mine)))"
            } else {
                excluded.append("\(key) is neither lower priority, preemptible, nor over its fair share")
                continue
            }
            func cost(_ a: Allocation) -> Double { a.deviceUnits * max(0, a.owner.startedAt.map { now.timeIntervalSince($0) } ?? 0) }
            let minMember = max(1, members.map(\.owner.gangMinMember).max() ?? 1)
            units.append(Unit(key: key, ids: members.map(\.id), whole: true, priority: priority, queue: queue,
                              cost: members.reduce(0) { $0 + cost($1) }, reason: reason))
            if members.count > minMember {
                // Members above the minimum may go one by one without breaking the running gang.
                for a in members.sorted(by: { (cost($0), $0.id) < (cost($1), $1.id) }).prefix(members.count - minMember) {
                    units.append(Unit(key: key, ids: [a.id], whole: false, priority: priority, queue: queue, cost: cost(a),
                                      reason: reason + "; gang keeps \(minMember)+ members"))
                }
            }
        }
        units.sort { ($0.priority, $0.cost, $0.whole ? 1 : 0, $0.ids.count, $0.key) < ($1.priority, $1.cost, $1.whole ? 1 : 0, $1.ids.count, $1.key) }
        return (units, excluded)
    }

    /// Nodes where some member could fit if the node were emptied (or fits already).
    func relevantNodes(_ req: PreemptionRequest, ledger: DeviceLedger, now: Date) -> Set<String> {
        var out = Set<String>()
        var seen = Set<PodRequest>()
        for m in req.gang.members where seen.insert(m.request).inserted {
            let r = planner.engine.evaluate(m.request, in: ledger, now: now)
            out.formUnion(r.feasible.map(\.node))
            out.formUnion(r.resolvable.map(\.node))
        }
        return out
    }

    /// A single pod: for each node, evict the cheapest units there until it fits, drop any it did not need,
    /// and keep the node whose victims lose the fewest device-seconds.
    func cheapestOnOneNode(_ req: PreemptionRequest, units: [Unit], ledger: DeviceLedger, now: Date) -> [Unit]? {
        let request = req.gang.members[0].request
        var scratch = ledger
        let ctx = ScanContext(scratch.compile(request), ledger: scratch, engine: planner.engine, now: now, gang: nil)
        // Fewest device-seconds, then fewest pods, then fewest victims, then node name.
        var best: (cost: Double, pods: Int, count: Int, node: String, units: [Unit])? = nil
        var byNode: [String: [Int]] = [:]
        for (i, u) in units.enumerated() {
            for node in Set(u.ids.compactMap { ledger.allocation($0)?.node }) { byNode[node, default: []].append(i) }
        }
        let fits: (DeviceLedger, Int) -> Bool = { l, slot in self.planner.engine.best(ctx, in: l, slots: [slot]) != nil }
        for node in byNode.keys.sorted() {
            guard let slot = scratch.slot(of: node) else { continue }
            var taken: [Int] = []
            var gone = Set<String>()
            for i in byNode[node]! {
                let ids = units[i].ids.filter { !gone.contains($0) }
                if ids.isEmpty { continue }
                for id in ids { scratch.release(id); gone.insert(id) }
                taken.append(i)
                if fits(scratch, slot) { break }
            }
            if fits(scratch, slot) {
                taken = prune(taken, units: units, scratch: &scratch, original: ledger) { fits($0, slot) }
                let cost = taken.reduce(0) { $0 + units[$1].cost }
                let pods = Set(taken.flatMap { units[$0].ids }).count
                if best == nil || (cost, pods, taken.count, node) < (best!.cost, best!.pods, best!.count, best!.node) {
                    best = (cost, pods, taken.count, node, taken.map { units[$0] })
                }
            }
            for id in gone.sorted() where scratch.allocation(id) == nil {
                if let a = ledger.allocation(id) { try? scratch.record(a, allowOvercommit: true) }
            }
        }
        return best?.units
    }

    /// A gang: evict the cheapest units anywhere useful until the whole gang plans, then drop unneeded ones.
    func greedy(_ req: PreemptionRequest, units: [Unit], ledger: DeviceLedger, now: Date) -> [Unit]? {
        var scratch = ledger
        let fits: (DeviceLedger) -> Bool = { l in
            if case .success = self.planner.plan(req.gang, in: l, now: now) { return true }
            return false
        }
        var taken: [Int] = []
        var gone = Set<String>()
        for (i, u) in units.enumerated() {
            let ids = u.ids.filter { !gone.contains($0) }
            if ids.isEmpty { continue }
            for id in ids { scratch.release(id); gone.insert(id) }
            taken.append(i)
            if fits(scratch) { return prune(taken, units: units, scratch: &scratch, original: ledger, fits: fits).map { units[$0] } }
        }
        return nil
    }

    /// Puts back, most expensive first, every chosen unit the requester does not need; a unit whose pods
    /// other chosen units evict anyway is dropped as redundant.
    func prune(_ taken: [Int], units: [Unit], scratch: inout DeviceLedger, original: DeviceLedger,
               fits: (DeviceLedger) -> Bool) -> [Int] {
        var keep = Set(taken)
        for i in taken.sorted(by: { (units[$0].cost, $0) > (units[$1].cost, $1) }) {
            let covered = Set(keep.filter { $0 != i }.flatMap { units[$0].ids })
            let mine = units[i].ids.filter { !covered.contains($0) && scratch.allocation($0) == nil }
            if mine.isEmpty { keep.remove(i); continue }
            for id in mine { if let a = original.allocation(id) { try? scratch.record(a, allowOvercommit: true) } }
            if fits(scratch) {
                keep.remove(i)
            } else {
                for id in mine { scratch.release(id) }
            }
        }
        // A kept whole workload already evicts its surplus members.
        let wholeKeys = Set(keep.filter { units[$0].whole }.map { units[$0].key })
        return taken.filter { keep.contains($0) && (units[$0].whole || !wholeKeys.contains(units[$0].key)) }
    }

    static func pct(_ r: Double) -> String { r.isFinite ? "\(Int((r * 100).rounded()))% of share" : "no share" }
}
