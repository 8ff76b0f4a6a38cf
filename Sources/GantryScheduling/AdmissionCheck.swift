// Admission (DESIGN §6.1): a job is admitted only when its quota has headroom — borrowing idle capacity up
// the tree where allowed — AND the engine can place its whole gang (minMember pods, device by device) on the
// free capacity right now. Admission that ignores placement leaves admitted jobs stuck; this one never does.

import Foundation

public struct AdmissionRequest: Hashable, Sendable {
    public var job: String
    public var queue: String
    public var gang: GangSpec

    public init(job: String, queue: String, gang: GangSpec) {
        self.job = job
        self.queue = queue
        self.gang = gang
    }

    /// Quota demand of the gang's required part: its `minMember` largest members.
    public var requiredDemand: ResourceVector {
        let sorted = gang.members.map(\.request).sorted { ($0.devicePercent, $0.cpuMilli) > ($1.devicePercent, $1.cpuMilli) }
        return sorted.prefix(max(0, gang.minMember)).reduce(ResourceVector.zero) { $0 + ResourceVector($1) }
    }
}

public enum AdmissionRejection: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownQueue(String)
    case notALeaf(String)
    case queueClosed(String)
    /// A quota on the path would go over its hard limit.
    case overLimit(queue: String, resource: String, allocated: Double, requested: Double, limit: Double)
    /// Over entitlement and the queue may not borrow.
    case borrowingDisabled(queue: String, resource: String, over: Double)
    /// Borrowing found no idle room at a parent (or in the cluster, queue "").
    case noRoomToBorrow(queue: String, resource: String, short: Double)
    case placement(GangPlanFailure)

    public var description: String {
        func f(_ r: String, _ v: Double) -> String { ResourceVector.format(r, v) }
        switch self {
        case .unknownQueue(let q): return "quota \(q) does not exist"
        case .notALeaf(let q): return "quota \(q) has child quotas; jobs go to leaf quotas"
        case .queueClosed(let q): return "quota \(q) is not open"
        case .overLimit(let q, let r, let a, let req, let l):
            return "quota \(q) limit on \(r): \(f(r, a)) allocated + \(f(r, req)) requested > \(f(r, l))"
        case .borrowingDisabled(let q, let r, let over):
            return "quota \(q) would exceed its entitlement of \(r) by \(f(r, over)) and may not borrow"
        case .noRoomToBorrow(let q, let r, let short):
            return q.isEmpty ? "the cluster is short of \(f(r, short)) \(r) for this job"
                : "quota \(q) has no idle \(r) to lend (short by \(f(r, short)))"
        case .placement(let p): return p.description
        }
    }
}

public enum AdmissionDecision: Sendable {
    /// `borrowing`: quotas on the path that go over their entitlement to admit it.
    case admitted(GangPlan, borrowing: [String])
    case rejected(AdmissionRejection)

    public var isAdmitted: Bool {
        if case .admitted = self { return true }
        return false
    }
}

public struct AdmissionCheck: Sendable {
    public var planner: GangPlanner

    public init(planner: GangPlanner = GangPlanner()) { self.planner = planner }

    public func evaluate(_ req: AdmissionRequest, tree: QuotaTree, fairShare: FairShare, ledger: DeviceLedger,
                         now: Date) -> AdmissionDecision {
        switch Self.quotaHeadroom(req.requiredDemand, queue: req.queue, tree: tree, fairShare: fairShare) {
        case .failure(let why): return .rejected(why)
        case .success(let borrowing):
            switch planner.plan(req.gang, in: ledger, now: now) {
            case .success(let plan): return .admitted(plan, borrowing: borrowing)
            case .failure(let f): return .rejected(.placement(f))
            }
        }
    }

    /// What a queue may use without borrowing: its deserved quota (else its fair share), never below
    /// its guarantee.
    public static func entitlement(_ q: QueueSpec, fairShare: FairShare) -> ResourceVector {
        let base = q.deserved ?? fairShare.share(of: q.name)
        var out = base
        for (r, g) in q.guaranteed.values where g > out[r] { out[r] = g }
        return out
    }

    /// Walks from the queue to the root: every quota's limit must hold; over its entitlement a quota borrows
    /// from its parent, which must have that much idle (its own entitlement minus what it holds and minus
    /// its other children's unused guarantees, which are never lent); the root borrows from the cluster.
    public static func quotaHeadroom(_ demand: ResourceVector, queue: String, tree: QuotaTree,
                                     fairShare: FairShare) -> Result<[String], AdmissionRejection> {
        guard let leaf = tree.queues[queue] else { return .failure(.unknownQueue(queue)) }
        guard tree.isLeaf(queue) else { return .failure(.notALeaf(queue)) }
        guard leaf.open else { return .failure(.queueClosed(queue)) }
        let path = tree.path(to: queue)
        var borrowing: [String] = []
        var needRoom = true
        // Unused guarantees of siblings passed on the way up: a borrower's ancestors must still honour them.
        var held = ResourceVector.zero
        for (i, q) in path.enumerated() {
            let spec = tree.queues[q]!
            let alloc = tree.allocated(q)
            for r in demand.names where alloc[r] + demand[r] > spec.cap(r) * (1 + 1e-12) {
                return .failure(.overLimit(queue: q, resource: r, allocated: alloc[r], requested: demand[r], limit: spec.cap(r)))
            }
            guard needRoom else { continue }
            if i > 0 {
                for s in tree.children[q] ?? [] where s != path[i - 1] {
                    held += tree.queues[s]!.guaranteed.excess(over: tree.allocated(s))
                }
            }
            let after = alloc + demand + held
            let entitled = entitlement(spec, fairShare: fairShare)
            if after.fits(within: entitled) { needRoom = false; continue }
            let over = after.excess(over: entitled)
            let r = over.names.first(where: { demand[$0] > 0 }) ?? over.names.first ?? ResourceVector.cpu
            guard spec.canBorrow else { return .failure(.borrowingDisabled(queue: q, resource: r, over: over[r])) }
            borrowing.append(q)
        }
        if needRoom {
            // The root (or a chain of borrowers up to it) takes idle cluster capacity, minus the unused
            // guarantees of the other roots.
            var all = ResourceVector.zero
            for root in tree.roots {
                let a = tree.allocated(root)
                all += a
                if root != path.last { held += tree.queues[root]!.guaranteed.excess(over: a) }
            }
            let after = all + demand + held
            if !after.fits(within: fairShare.capacity) {
                let over = after.excess(over: fairShare.capacity)
                let r = over.names.first(where: { demand[$0] > 0 }) ?? over.names.first ?? ResourceVector.cpu
                return .failure(.noRoomToBorrow(queue: "", resource: r, short: over[r]))
            }
        }
        return .success(borrowing)
    }
}
