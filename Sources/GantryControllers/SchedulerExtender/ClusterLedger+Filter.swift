// Filter: which candidate nodes can take the pod right now, device by device, and a short reason for every
// other one, as the engine's PlacementEngine decides (pool, thermal limits, device-level fit). Reasons
// preemption cannot fix (heat, pool membership, taints, gang plans, devices that would not fit even on an empty
// node) go to FailedAndUnresolvableNodes so kube-scheduler does not evict pods for nothing.

import Foundation
import GantryScheduling
import KubeCore

/// The verdict of a filter call, before it is put on the wire: rejections in candidate order, so the reply needs
/// no sorting and the debug log keeps the first ones cheaply.
public struct FilterOutcome: Sendable, Equatable {
    public struct Rejection: Sendable, Equatable {
        public var node: String
        public var reason: String
        /// Preemption could help (FailedNodes), or not (FailedAndUnresolvableNodes).
        public var resolvable: Bool
    }

    public var feasible: [String] = []
    public var rejected: [Rejection] = []
    /// Rejections per kind of reason (metrics label values), counted where the reason is known.
    public var kinds: [String: Int] = [:]

    public init(feasible: [String] = [], rejected: [Rejection] = []) {
        self.feasible = feasible
        self.rejected = rejected
    }

    mutating func reject(_ node: String, _ reason: String, resolvable: Bool, kind: String) {
        rejected.append(Rejection(node: node, reason: reason, resolvable: resolvable))
        kinds[kind, default: 0] += 1
    }

    /// Node → reason, for nodes preemption may help (`FailedNodes`).
    public var failed: [String: String] {
        Dictionary(rejected.filter(\.resolvable).map { ($0.node, $0.reason) }, uniquingKeysWith: { a, _ in a })
    }

    /// Node → reason, for nodes preemption cannot help (`FailedAndUnresolvableNodes`).
    public var unresolvable: [String: String] {
        Dictionary(rejected.filter { !$0.resolvable }.map { ($0.node, $0.reason) }, uniquingKeysWith: { a, _ in a })
    }

    /// Every candidate rejected for the same reason.
    static func rejectAll(_ candidates: [String], _ reason: String, resolvable: Bool) -> FilterOutcome {
        var o = FilterOutcome()
        let kind = ExtenderMetrics.kind(of: reason)
        for n in candidates { o.reject(n, reason, resolvable: resolvable, kind: kind) }
        return o
    }
}

extension ClusterLedger {
    /// The engine request for a pod, with its tolerations resolved against the known node taints.
    func engineRequest(_ f: PodFacts) -> PodRequest {
        var r = f.request
        r.tolerations = toleratedKeys(f.tolerations)
        return r
    }

    /// Where the pod's gang runs (bound members and live reservations), for the engine's gang-affinity score.
    func gangContext(_ f: PodFacts) -> GangContext? {
        guard let gang = f.gang?.description else { return nil }
        var nodes = Set<String>()
        for pod in podStore?.byIndex(GangIndex.name, gang) ?? [] {
            if let n = pod.facts.nodeName { nodes.insert(n) }
        }
        for id in gangPlans[gang] ?? [] { if let a = ledger.allocation(id) { nodes.insert(a.node) } }
        let racks = Set(nodes.compactMap { ledger.node(named: $0)?.spec.rack })
        return GangContext(gang: gang, nodes: nodes, racks: racks)
    }

    /// The engine's scored evaluation of `candidates` on `ledger` (the live one, or a scratch copy).
    func rank(_ f: PodFacts, candidates: [String], now: Date, in scratch: DeviceLedger? = nil) -> PlacementResult {
        engine.rank(engineRequest(f), in: scratch ?? ledger, candidates: candidates, now: now, gang: gangContext(f))
    }

    public func filter(_ f: PodFacts, candidates: [String]) -> FilterOutcome {
        let now = clock()
        if let e = f.requestError {
            return .rejectAll(candidates, "invalid request: \(e)", resolvable: false)
        }
        // A pod whose bind is in flight or done keeps the node it holds; kube-scheduler should not be asking.
        if let held = ledger.allocation(f.uid), held.reservation == nil {
            var o = FilterOutcome()
            for n in candidates {
                if n == held.node { o.feasible.append(n) } else {
                    o.reject(n, "pod already holds devices on \(held.node)", resolvable: false, kind: "bound")
                }
            }
            return o
        }
        expireReservations(now: now)
        if let gate = admissionGate(f, now: now) {
            return .rejectAll(candidates, gate.reason, resolvable: gate.resolvable)
        }
        var o = FilterOutcome()
        if let plan = gangSteering(f, now: now) {
            // A member's slot is held by its gang's reservation, which passed the engine's fit when it was made.
            for name in candidates {
                if let why = plan.rejects(node: name) {
                    o.reject(name, why, resolvable: false, kind: "gang")
                } else {
                    o.feasible.append(name)
                }
            }
            return o
        }
        // Feasibility only: kube-scheduler asks for scores separately, for the nodes that survive every filter.
        let result = engine.screen(engineRequest(f), in: ledger, candidates: candidates, now: now)
        if let e = result.invalidRequest { return .rejectAll(candidates, "invalid request: \(e)", resolvable: false) }
        // Feasible nodes in the order kube-scheduler sent them (screen keeps that order).
        o.feasible = result.feasible.map(\.node)
        // On a nearly full cluster most candidates fail the same way: build each distinct reason once per call
        // (not for the node-specific ones) and count kinds by memo slot rather than hashing a String per node.
        // Runs of equal failures (neighbouring nodes in the same state) are compared, not hashed.
        struct Memo { var reason: String; var resolvable: Bool; var kind: String; var count: Int }
        var memos: [Memo] = []
        var slot: [FitFailure: Int] = [:]
        var last = -1, lastMemo = -1
        var perNode: [String: Int] = [:]
        o.rejected.reserveCapacity(result.rejected.count)
        // Read in place: copying each rejection out (a node name and a ~150-byte failure) showed in profiles.
        result.rejected.withUnsafeBufferPointer { rejected in
            for r in rejected.indices {
                let failure = rejected[r].failure, node = rejected[r].node
                let nodeSpecific: Bool
                switch failure {
                case .unknownNode: nodeSpecific = true
                case .devices(let s): nodeSpecific = s.overheated > 0
                default: nodeSpecific = false
                }
                if nodeSpecific {
                    let reason = self.reason(failure, node: node, now: now)
                    let kind = reason.hasPrefix("thermal") ? "thermal" : Self.kind(failure)
                    o.rejected.append(.init(node: node, reason: reason, resolvable: failure.resolvable))
                    perNode[kind, default: 0] += 1
                    continue
                }
                let i: Int
                if last >= 0 && rejected[last].failure == failure {
                    i = lastMemo
                } else if let j = slot[failure] {
                    i = j
                } else {
                    let reason = self.reason(failure, node: node, now: now)
                    let kind = reason.hasPrefix("thermal") ? "thermal" : Self.kind(failure)
                    i = memos.count
                    memos.append(Memo(reason: reason, resolvable: failure.resolvable, kind: kind, count: 0))
                    slot[failure] = i
                }
                last = r
                lastMemo = i
                memos[i].count += 1
                o.rejected.append(.init(node: node, reason: memos[i].reason, resolvable: memos[i].resolvable))
            }
        }
        for m in memos { o.kinds[m.kind, default: 0] += m.count }
        for (k, n) in perNode { o.kinds[k, default: 0] += n }
        return o
    }

    /// The metrics label of a failure.
    static func kind(_ f: FitFailure) -> String {
        switch f {
        case .unknownNode: return "unknown_node"
        case .cordoned: return "cordoned"
        case .notInAllowedPool: return "pool"
        case .untoleratedTaint: return "taint"
        case .overheated: return "thermal"
        case .insufficientCPU: return "cpu"
        case .insufficientMemory: return "memory"
        case .tooManyPods: return "pods"
        case .devices: return "devices"
        case .outsideGangPlan: return "gang"
        }
    }

    /// The short human reason for a rejected node, e.g. "thermal: device n1-gcu-3 at 97 °C, ...". Devices left out
    /// for being over the chip limit are named when they are what made the fit fail.
    func reason(_ f: FitFailure, node: String, now: Date) -> String {
        switch f {
        case .unknownNode: return "node \(node) is not in the extender's cache yet"
        case .overheated(let v): return "thermal: \(v)"
        case .devices(let s):
            if s.overheated > 0, s.fitting + s.overheated >= s.needed, let n = ledger.node(named: node),
               let v = policy(of: n).thermal.chipViolation(n, now: now) {
                return "thermal: \(v)"
            }
            return "devices: \(s)"
        default: return f.description
        }
    }

    /// The engine's device choice for the pod on one node, or why it does not fit there.
    func choose(_ f: PodFacts, node: String, now: Date, in scratch: DeviceLedger? = nil) -> FitResult {
        let result = rank(f, candidates: [node], now: now, in: scratch)
        if let c = result.feasible.first { return .fits(c.assignment) }
        return .fails(result.rejected.first?.failure ?? .unknownNode(node))
    }
}
