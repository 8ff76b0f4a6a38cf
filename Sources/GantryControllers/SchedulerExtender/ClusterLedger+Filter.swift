// Filter: which candidate nodes can take the pod right now, device by device, and a short reason for every
// other one. Reasons preemption cannot fix (heat, pool membership, taints, gang plans, devices that would not
// fit even on an empty node) go to FailedAndUnresolvableNodes so kube-scheduler does not evict pods for nothing.

import Foundation
import GantryScheduling
import KubeCore

/// The verdict of a filter call, before it is put on the wire.
public struct FilterOutcome: Sendable, Equatable {
    public var feasible: [String] = []
    public var failed: [String: String] = [:]
    public var unresolvable: [String: String] = [:]
    /// Rejections per kind of reason (metrics label values), counted where the reason is known.
    public var kinds: [String: Int] = [:]

    public init(feasible: [String] = [], failed: [String: String] = [:], unresolvable: [String: String] = [:]) {
        self.feasible = feasible
        self.failed = failed
        self.unresolvable = unresolvable
    }

    /// Every candidate rejected for the same reason.
    static func rejectAll(_ candidates: [String], _ reason: String, resolvable: Bool) -> FilterOutcome {
        var o = FilterOutcome()
        for n in candidates {
            if resolvable { o.failed[n] = reason } else { o.unresolvable[n] = reason }
        }
        if !candidates.isEmpty { o.kinds[ExtenderMetrics.kind(of: reason)] = candidates.count }
        return o
    }
}

extension ClusterLedger {
    /// The engine's fit of one request on one node with the node's pool policy and thermal state applied.
    struct NodeFit {
        var result: FitResult
        var thermal: NodeThermalState
        var settings: PoolSettings
    }

    func fit(_ compiled: CompiledRequest, slot: Int, now: Date) -> NodeFit { fit(compiled, slot: slot, now: now, in: ledger) }

    /// Fit on `ledger`, which may be a scratch copy (gang planning tries placements on one).
    func fit(_ compiled: CompiledRequest, slot: Int, now: Date, in ledger: DeviceLedger) -> NodeFit {
        let node = ledger.nodes[slot]
        let settings = settings(of: node)
        let thermal = settings.thermal.evaluate(node, now: now)
        if let v = thermal.violation {
            return NodeFit(result: .fails(.overheated(v)), thermal: thermal, settings: settings)
        }
        let choice = DeviceChoice(order: settings.deviceOrder, avoid: thermal.avoid, heat: thermal.heat)
        var result = ledger.fit(compiled, slot: slot, blocked: thermal.blocked, choice: choice)
        // Devices over the chip limit are left out of the fit; when that is what made it fail, say so plainly.
        if case .fails(.devices) = result, !thermal.blocked.isEmpty,
           ledger.fit(compiled, slot: slot, choice: choice).assignment != nil,
           let v = settings.thermal.chipViolation(node, now: now) {
            result = .fails(.overheated(v))
        }
        return NodeFit(result: result, thermal: thermal, settings: settings)
    }

    /// The engine request for a pod, with its tolerations resolved against the known node taints.
    func engineRequest(_ f: PodFacts) -> PodRequest {
        var r = f.request
        r.tolerations = toleratedKeys(f.tolerations)
        return r
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
                if n == held.node { o.feasible.append(n) } else { o.unresolvable[n] = "pod already holds devices on \(held.node)" }
            }
            return o
        }
        expireReservations(now: now)
        if let gate = admissionGate(f, now: now) {
            return .rejectAll(candidates, gate.reason, resolvable: gate.resolvable)
        }
        let plan = gangSteering(f, now: now)
        let compiled = ledger.compile(engineRequest(f))
        var o = FilterOutcome()
        o.feasible.reserveCapacity(candidates.count)
        for name in candidates {
            guard let slot = ledger.slot(of: name) else {
                o.unresolvable[name] = "node \(name) is not in the extender's cache yet"
                o.kinds["unknown_node", default: 0] += 1
                continue
            }
            if let plan {
                // A member's slot is held by its gang's reservation, which already passed fit when it was made.
                if let why = plan.rejects(node: name) {
                    o.unresolvable[name] = why
                    o.kinds["gang", default: 0] += 1
                } else {
                    o.feasible.append(name)
                }
                continue
            }
            switch fit(compiled, slot: slot, now: now).result {
            case .fits:
                o.feasible.append(name)
            case .fails(let failure):
                let reason = Self.reason(failure)
                if failure.resolvable { o.failed[name] = reason } else { o.unresolvable[name] = reason }
                o.kinds[Self.kind(failure), default: 0] += 1
            }
        }
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

    /// The short human reason for a rejected node, e.g. "thermal: device n1-gcu-3 at 97 °C, ...".
    static func reason(_ f: FitFailure) -> String {
        switch f {
        case .overheated(let v): return "thermal: \(v)"
        case .devices(let s): return "devices: \(s)"
        default: return f.description
        }
    }
}
