// The last decision per pod, for `GET /debug/pods/<namespace>/<name>`: what filter saw and why it rejected
// nodes, the scores, the bind and any preemption. Bounded (oldest pods dropped first, node lists truncated) so
// a busy scheduler cannot grow it without limit; rendered to JSON only when asked.

import Foundation
import KubeCore
import Synchronization

public final class DecisionLog: Sendable {
    struct Entry: Sendable {
        var uid = ""
        var request = ""
        /// The outcome keeps at most `nodesKept` nodes per list; `counts` are the full feasible/failed/unresolvable sizes.
        var filter: (time: Date, candidates: Int, outcome: FilterOutcome, counts: (Int, Int, Int), passThrough: Bool)?
        var prioritize: (time: Date, scores: [HostPriority])?
        var bind: (time: Date, node: String, devices: String?, error: String?)?
        var preempt: (time: Date, victims: [String: MetaVictims])?
        var error: (time: Date, verb: String, message: String)?
        var sequence: UInt64 = 0
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var sequence: UInt64 = 0
    }

    private let state = Mutex(State())
    let capacity: Int
    /// Most nodes kept per list in one decision.
    static let nodesKept = 100

    public init(capacity: Int = 2048) { self.capacity = max(1, capacity) }

    func update(_ key: String, uid: String, request: @autoclosure () -> String, _ change: (inout Entry) -> Void) {
        state.withLock { s in
            s.sequence &+= 1
            var e = s.entries[key] ?? Entry()
            if e.uid != uid { e = Entry(uid: uid) }
            if e.request.isEmpty { e.request = request() }
            e.sequence = s.sequence
            change(&e)
            s.entries[key] = e
            if s.entries.count > capacity {
                // Drop the oldest eighth at once, so eviction is amortised rather than a scan per insert.
                let drop = s.entries.sorted { $0.value.sequence < $1.value.sequence }.prefix(max(1, capacity / 8))
                for (k, _) in drop { s.entries[k] = nil }
            }
        }
    }

    func recordFilter(_ key: String, uid: String, request: String, candidates: Int, outcome: FilterOutcome, passThrough: Bool) {
        var kept = FilterOutcome(feasible: Array(outcome.feasible.prefix(Self.nodesKept)),
                                 rejected: Array(outcome.rejected.prefix(2 * Self.nodesKept)))
        kept.kinds = outcome.kinds
        let failed = outcome.rejected.reduce(0) { $0 + ($1.resolvable ? 1 : 0) }
        let counts = (outcome.feasible.count, failed, outcome.rejected.count - failed)
        update(key, uid: uid, request: request) { $0.filter = (Date(), candidates, kept, counts, passThrough) }
    }

    func recordPrioritize(_ key: String, uid: String, request: String, scores: [HostPriority]) {
        let top = Self.best(Self.nodesKept, of: scores)
        update(key, uid: uid, request: request) { $0.prioritize = (Date(), top) }
    }

    /// The `k` best entries (higher score, then host name), best first: what sorting them all and keeping `k`
    /// gives, without sorting 5,000 entries per call. Entries with score and host equal are interchangeable.
    static func best(_ k: Int, of scores: [HostPriority]) -> [HostPriority] {
        func before(_ a: HostPriority, _ b: HostPriority) -> Bool { (a.score, b.host) > (b.score, a.host) }
        guard scores.count > k else { return scores.sorted(by: before) }
        guard k > 0 else { return [] }
        // A heap with the worst kept entry on top; an entry enters only when it beats that one.
        var heap: [HostPriority] = []
        heap.reserveCapacity(k)
        func siftDown(_ i: Int) {
            var i = i
            while true {
                let l = 2 * i + 1, r = l + 1
                var worst = i
                if l < heap.count && before(heap[worst], heap[l]) { worst = l }
                if r < heap.count && before(heap[worst], heap[r]) { worst = r }
                if worst == i { return }
                heap.swapAt(i, worst)
                i = worst
            }
        }
        for h in scores {
            if heap.count < k {
                heap.append(h)
                var i = heap.count - 1
                while i > 0 && before(heap[(i - 1) / 2], heap[i]) {
                    heap.swapAt(i, (i - 1) / 2)
                    i = (i - 1) / 2
                }
            } else if before(h, heap[0]) {
                heap[0] = h
                siftDown(0)
            }
        }
        return heap.sorted(by: before)
    }

    func recordBind(_ key: String, uid: String, node: String, devices: String?, error: String?) {
        update(key, uid: uid, request: "") { $0.bind = (Date(), node, devices, error) }
    }

    func recordPreempt(_ key: String, uid: String, request: String, victims: [String: MetaVictims]) {
        update(key, uid: uid, request: request) { $0.preempt = (Date(), victims) }
    }

    func recordError(_ key: String, uid: String, verb: String, message: String) {
        update(key, uid: uid, request: "") { $0.error = (Date(), verb, message) }
    }

    public var count: Int { state.withLock { $0.entries.count } }

    /// The decision for `namespace/name` as JSON, or nil if none is kept.
    public func json(for key: String) -> JSONValue? {
        guard let e = state.withLock({ $0.entries[key] }) else { return nil }
        func time(_ d: Date) -> JSONValue { .string(MicroTime(d).rfc3339) }
        func map(_ m: [String: String]) -> JSONValue {
            .object(JSONObject(m.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }))
        }
        var o = JSONObject()
        o["pod"] = .string(key)
        o["uid"] = .string(e.uid)
        o["request"] = .string(e.request)
        if let f = e.filter {
            let kinds = f.outcome.kinds
            let (feasible, failed, unresolvable) = f.counts
            o["filter"] = .object(JSONObject([
                ("time", time(f.time)), ("candidates", .int(Int64(f.candidates))), ("passThrough", .bool(f.passThrough)),
                ("feasibleCount", .int(Int64(feasible))), ("failedCount", .int(Int64(failed))),
                ("unresolvableCount", .int(Int64(unresolvable))),
                ("rejectionsByKind", .object(JSONObject(kinds.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.int(Int64($0.value))) }))),
                ("feasible", .array(f.outcome.feasible.map(JSONValue.string))),
                ("failed", map(f.outcome.failed)), ("unresolvable", map(f.outcome.unresolvable)),
            ]))
        }
        if let p = e.prioritize {
            o["prioritize"] = .object(JSONObject([("time", time(p.time)), ("scores", HostPriority.json(p.scores))]))
        }
        if let b = e.bind {
            var x = JSONObject([("time", time(b.time)), ("node", .string(b.node)), ("result", .string(b.error == nil ? "bound" : "failed"))])
            if let d = b.devices { x["devices"] = .string(d) }
            if let err = b.error { x["error"] = .string(err) }
            o["bind"] = .object(x)
        }
        if let p = e.preempt {
            o["preempt"] = .object(JSONObject([("time", time(p.time)), ("result", ExtenderPreemptionResult(nodeNameToMetaVictims: p.victims).json)]))
        }
        if let err = e.error {
            o["lastError"] = .object(JSONObject([("time", time(err.time)), ("verb", .string(err.verb)), ("message", .string(err.message))]))
        }
        return .object(o)
    }
}
