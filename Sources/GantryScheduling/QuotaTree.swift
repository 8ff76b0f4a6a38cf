// The quota tree (DESIGN §4 Quota): each node is a queue with a parent, weight, guaranteed / deserved /
// limit amounts, priority, state and borrowing rule, plus what it has allocated and still demands. Built
// from Quota objects by the quota controller; validated here so bad trees are reported, never trusted.

import Foundation

public struct QueueSpec: Hashable, Sendable {
    public var name: String
    public var parent: String?
    /// 1...65535 (clamped): share of what siblings compete for.
    public var weight: Double
    /// Handed out first and never lent.
    public var guaranteed: ResourceVector
    /// Nominal quota: what the queue may use without borrowing (nil: its computed fair share).
    public var deserved: ResourceVector?
    /// Hard cap per resource; a resource missing from the vector is unlimited.
    public var limit: ResourceVector
    public var priority: Int
    /// Accepting and dispatching work (Quota.spec.state Open).
    public var open: Bool
    /// May use idle capacity above its entitlement (Quota.spec.preemption.borrowWhenIdle).
    public var canBorrow: Bool
    public var createdAt: Date
    /// In use now (bound and reserved work), for leaves; inner nodes add up their children.
    public var allocated: ResourceVector
    /// Wanted beyond `allocated` (queued work), for leaves.
    public var pending: ResourceVector

    public init(name: String, parent: String? = nil, weight: Double = 1, guaranteed: ResourceVector = .zero,
                deserved: ResourceVector? = nil, limit: ResourceVector = .zero, priority: Int = 0, open: Bool = true,
                canBorrow: Bool = true, createdAt: Date = Date(timeIntervalSince1970: 0), allocated: ResourceVector = .zero,
                pending: ResourceVector = .zero) {
        self.name = name
        self.parent = parent
        self.weight = weight.isFinite ? min(65535, max(1, weight)) : 1
        self.guaranteed = guaranteed
        self.deserved = deserved
        self.limit = limit
        self.priority = priority
        self.open = open
        self.canBorrow = canBorrow
        self.createdAt = createdAt
        self.allocated = allocated
        self.pending = pending
    }

    /// Cap for a resource: the limit if set, else unlimited.
    public func cap(_ r: String) -> Double { limit.values[r] ?? .infinity }
}

public enum QuotaTreeError: Error, Hashable, Sendable, CustomStringConvertible {
    case duplicate(String)
    case unknownParent(queue: String, parent: String)
    case cycle([String])

    public var description: String {
        switch self {
        case .duplicate(let q): return "quota \(q) is defined twice"
        case .unknownParent(let q, let p): return "quota \(q) names parent \(p), which does not exist"
        case .cycle(let path): return "quotas form a cycle: \(path.joined(separator: " -> "))"
        }
    }
}

public struct QuotaTree: Sendable {
    public private(set) var queues: [String: QueueSpec] = [:]
    /// Children per parent, sorted by name (roots under "").
    public private(set) var children: [String: [String]] = [:]

    /// Builds and validates the tree; every problem found is thrown, the first one only.
    public init(_ specs: [QueueSpec]) throws(QuotaTreeError) {
        for s in specs {
            if queues[s.name] != nil { throw .duplicate(s.name) }
            queues[s.name] = s
        }
        for s in specs.sorted(by: { $0.name < $1.name }) {
            if let p = s.parent, queues[p] == nil { throw .unknownParent(queue: s.name, parent: p) }
            children[s.parent ?? "", default: []].append(s.name)
        }
        for s in specs {
            var seen: [String] = [s.name]
            var cur = s.parent
            while let c = cur {
                if seen.contains(c) { throw .cycle(seen + [c]) }
                seen.append(c)
                cur = queues[c]?.parent
            }
        }
    }

    public var roots: [String] { children[""] ?? [] }
    public func isLeaf(_ q: String) -> Bool { (children[q] ?? []).isEmpty }

    /// From the queue up to its root.
    public func path(to q: String) -> [String] {
        var out: [String] = []
        var cur: String? = q
        while let c = cur, let spec = queues[c] {
            out.append(c)
            cur = spec.parent
        }
        return out
    }

    /// Allocated of a queue including its subtree.
    public func allocated(_ q: String) -> ResourceVector {
        guard let s = queues[q] else { return .zero }
        return (children[q] ?? []).reduce(s.allocated) { $0 + allocated($1) }
    }

    /// Demand (allocated + pending) of a queue's subtree, capped by its limits on the way up.
    public func demand(_ q: String) -> ResourceVector {
        guard let s = queues[q] else { return .zero }
        let own = s.allocated + s.pending
        let total = (children[q] ?? []).reduce(own) { $0 + demand($1) }
        var capped = total
        for (r, v) in total.values { capped[r] = min(v, s.cap(r)) }
        return capped
    }

    /// Records a change of a queue's own allocation (admission, release).
    public mutating func add(_ delta: ResourceVector, allocatedTo q: String) {
        queues[q]?.allocated += delta
    }

    public mutating func setPending(_ pending: ResourceVector, for q: String) {
        queues[q]?.pending = pending
    }
}
