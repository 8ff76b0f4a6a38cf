// Bind, the ledger's half: reserve takes the pod's device shares in one actor turn (fit re-checked against
// everything held now, binds in flight included), so two binds racing for the last share cannot both win;
// commit keeps them once the API server has the pod bound; rollback gives them back, to the gang's
// reservation when they came from one. The network half is `PodBinder`.

import Foundation
import GantryAPI
import GantryScheduling
import KubeCore

/// A bind between reserve and commit/rollback.
public struct BindTicket: Sendable, Equatable {
    public var podUID: String
    public var podKey: String
    public var node: String
    /// The `gantry.dev/devices` value to write.
    public var devices: String
    /// The gang reservation the shares came from, restored on rollback.
    var reservation: Allocation?
    /// The allocation as reserved, so rollback releases only what this bind took.
    var allocation: Allocation
}

public enum BindError: Error, Sendable, Equatable, CustomStringConvertible {
    case alreadyBound(pod: String, node: String)
    case bindInFlight(pod: String, node: String)
    case invalidRequest(pod: String, String)
    case unknownNode(String)
    case doesNotFit(pod: String, node: String, String)
    case notInGangPlan(pod: String, node: String, String)
    case uidMismatch(pod: String, expected: String, actual: String)
    case podNotFound(String)
    case api(pod: String, String)

    public var description: String {
        switch self {
        case .alreadyBound(let p, let n): return "pod \(p) is already bound to node \(n); not allocating devices twice"
        case .bindInFlight(let p, let n): return "pod \(p) is already being bound to node \(n)"
        case .invalidRequest(let p, let why): return "pod \(p): invalid request: \(why)"
        case .unknownNode(let n): return "node \(n) is not in the extender's cache"
        case .doesNotFit(let p, let n, let why): return "pod \(p) no longer fits node \(n): \(why)"
        case .notInGangPlan(let p, let n, let why): return "pod \(p) cannot bind to \(n): \(why)"
        case .uidMismatch(let p, let e, let a): return "pod \(p) has uid \(a), not \(e): it was re-created"
        case .podNotFound(let p): return "pod \(p) not found"
        case .api(let p, let why): return "binding pod \(p) failed: \(why)"
        }
    }
}

extension ClusterLedger {
    /// Takes the pod's shares on `node`. Throws, holding nothing, if the pod is bound or binding already, or
    /// no longer fits (another bind took the room since kube-scheduler's filter).
    public func reserve(_ f: PodFacts, node: String) throws(BindError) -> BindTicket {
        let now = clock()
        if let bound = f.nodeName { throw .alreadyBound(pod: f.key, node: bound) }
        if let t = inFlight[f.uid] { throw .bindInFlight(pod: f.key, node: t.node) }
        if let held = ledger.allocation(f.uid), held.reservation == nil { throw .alreadyBound(pod: f.key, node: held.node) }
        if let e = f.requestError { throw .invalidRequest(pod: f.key, e.message) }
        guard ledger.slot(of: node) != nil else { throw .unknownNode(node) }
        expireReservations(now: now)
        let request = engineRequest(f)
        var ticket: BindTicket
        if let reservation = try takeGangReservation(f, request: request, node: node, now: now) {
            let a: Allocation
            do {
                a = try ledger.bindReservation(reservation.id, to: f.uid, owner: f.owner)
            } catch {
                throw .notInGangPlan(pod: f.key, node: node, "\(error)")
            }
            account(reservation, -1)
            account(a, +1)
            ticket = BindTicket(podUID: f.uid, podKey: f.key, node: node, devices: a.devicesAnnotation, reservation: reservation,
                                allocation: a)
        } else {
            if let gate = admissionGate(f, now: now) { throw .doesNotFit(pod: f.key, node: node, gate.reason) }
            let assignment: DeviceAssignment
            switch choose(f, node: node, now: now) {
            case .fits(let a): assignment = a
            case .fails(let why): throw .doesNotFit(pod: f.key, node: node, reason(why, node: node, now: now))
            }
            let a: Allocation
            do {
                a = try ledger.allocate(f.uid, request: request, on: node, assignment: assignment, owner: f.owner)
            } catch {
                throw .doesNotFit(pod: f.key, node: node, "\(error)")
            }
            account(a, +1)
            engine.observe(request)
            ticket = BindTicket(podUID: f.uid, podKey: f.key, node: node, devices: a.devicesAnnotation, reservation: nil,
                                allocation: a)
        }
        inFlight[f.uid] = ticket
        metrics?.reservations(inFlight: inFlight.count)
        return ticket
    }

    /// The API server has the pod bound with the ticket's record: the shares stay.
    public func commit(_ ticket: BindTicket) {
        inFlight[ticket.podUID] = nil
        metrics?.reservations(inFlight: inFlight.count)
    }

    /// The bind failed: give the shares back (to the gang's reservation when they came from one). If the
    /// watch already showed the pod bound elsewhere, or the pod is gone, the ledger already reflects that.
    public func rollback(_ ticket: BindTicket) {
        guard inFlight.removeValue(forKey: ticket.podUID) != nil else { return }
        metrics?.reservations(inFlight: inFlight.count)
        guard let held = ledger.allocation(ticket.podUID), held.node == ticket.node, held.grants == ticket.allocation.grants else {
            return
        }
        releaseAllocation(ticket.podUID)
        if let r = ticket.reservation, r.reservation.map({ $0.expiresAt > clock() }) == true {
            do {
                try ledger.record(r)
                account(r, +1)
                if let gang = r.reservation?.gang { gangPlans[gang, default: []].insert(r.id) }
            } catch {
                logger.warning("could not restore a gang reservation after a failed bind", ["reservation": r.id, "error": error])
            }
        }
    }
}
