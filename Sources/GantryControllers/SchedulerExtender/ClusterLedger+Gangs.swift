// Gangs (DESIGN §6.3). The first member kube-scheduler asks about gets the whole gang planned and reserved at
// once (minMember pods, device by device, with a TTL), all or nothing, so two gangs can never each hold half of
// what they need. Later members are steered to their reserved slots and consume them at bind. Reservations
// lapse after the TTL and are released as soon as the gang's last pod is gone.

import Foundation
import GantryAPI
import GantryScheduling
import KubeCore
import KubeRuntime

/// A gang's live reservations.
struct GangPlan: Sendable {
    var gang: String
    /// Engine reservation IDs not yet consumed by a bind.
    var reservationIDs: Set<String>
    var expiresAt: Date
}

/// How a gang's plan steers one member in filter.
struct GangSteering {
    var gang: String
    /// Nodes holding a reservation with this member's shape.
    var slots: Set<String>
    /// Nodes holding the gang's reservations for members of another shape.
    var otherSlots: Set<String>
    /// Set when the gang cannot be placed (or is still waiting for members): every node is rejected with it.
    var blocked: String?

    func rejects(node: String) -> String? {
        if let blocked { return blocked }
        if slots.contains(node) { return nil }
        if otherSlots.contains(node) { return "gang plan reserves \(node) for another member of gang \(gang)" }
        return "gang \(gang) is planned onto \(slots.sorted().prefix(5).joined(separator: ", "))"
    }
}

extension ClusterLedger {
    static func reservationID(gang: String, index: Int, generation: UInt64) -> String { "gang:\(gang)#\(generation).\(index)" }

    /// The gang's steering for this member; nil for pods of no gang, or of a gang whose minimum is bound.
    func gangSteering(_ f: PodFacts, now: Date) -> GangSteering? {
        guard let gang = f.gang else { return nil }
        let key = gang.description
        if gangPlans[key] == nil, let blocked = planGang(gang, member: f, now: now) {
            return GangSteering(gang: key, slots: [], otherSlots: [], blocked: blocked)
        }
        guard let plan = gangPlans[key] else { return nil }
        let request = engineRequest(f)
        var slots = Set<String>()
        var other = Set<String>()
        for id in plan.reservationIDs {
            guard let r = ledger.allocation(id) else { continue }
            if Self.sameShape(r.request, request) { slots.insert(r.node) } else { other.insert(r.node) }
        }
        if slots.isEmpty {
            return GangSteering(gang: key, slots: [], otherSlots: other,
                                blocked: "gang \(key): no reserved slot left for a member of this shape")
        }
        return GangSteering(gang: key, slots: slots, otherSlots: other.subtracting(slots), blocked: nil)
    }

    /// Plans and reserves the members the gang still needs; returns why it cannot, or nil when planned (or
    /// when nothing is needed because minMember pods are bound already).
    func planGang(_ gang: GangID, member f: PodFacts, now: Date) -> String? {
        let key = gang.description
        let members = gangMembers(gang, including: f)
        let bound = members.filter { $0.nodeName != nil }.count
        let minMember = members.map(\.owner.gangMinMember).max() ?? f.owner.gangMinMember
        let needed = minMember - bound
        if needed <= 0 { return nil }
        let pending = members.filter { $0.nodeName == nil && $0.requestError == nil && inFlight[$0.uid] == nil }
            .sorted { ($0.creationTime ?? .distantPast, $0.name) < ($1.creationTime ?? .distantPast, $1.name) }
        if pending.count < needed {
            return "gang \(key) waits for its members: \(bound + pending.count) of minMember \(minMember) exist"
        }
        let requests = pending.prefix(needed).map { engineRequest($0) }
        switch placeGang(Array(requests), gang: key, now: now) {
        case .failure(let why):
            metrics?.gangPlan(result: "unplaceable")
            return "gang \(key) cannot place \(needed) more member(s) now: \(why)"
        case .success(let placements):
            let expires = now.addingTimeInterval(configuration.reservationTTL)
            var ids = Set<String>()
            let generation = ledger.generation
            for (i, p) in placements.enumerated() {
                let id = Self.reservationID(gang: key, index: i, generation: generation)
                do {
                    try ledger.allocate(id, request: p.request, on: p.node, assignment: p.assignment,
                                        owner: WorkloadRef(workload: "gang:\(key)", gang: key, gangMinMember: minMember,
                                                           queue: f.quota, priority: f.owner.priority, preemptible: f.owner.preemptible),
                                        reservation: Reservation(gang: key, expiresAt: expires))
                    ids.insert(id)
                } catch {
                    // The plan was made on this very ledger in this turn, so this is a planner bug; undo the lot.
                    for done in ids { ledger.release(done) }
                    logger.error("gang plan did not fit the ledger it was made on", ["gang": key, "error": error])
                    return "gang \(key): internal planning error"
                }
            }
            gangPlans[key] = GangPlan(gang: key, reservationIDs: ids, expiresAt: expires)
            metrics?.gangPlan(result: "reserved")
            logger.info("gang planned and reserved", ["gang": key, "members": needed,
                                                      "nodes": Set(placements.map(\.node)).sorted().joined(separator: ",")])
            return nil
        }
    }

    /// The gang's pods known to the pod cache (plus the one asking, which may be newer than the cache).
    func gangMembers(_ gang: GangID, including f: PodFacts) -> [PodFacts] {
        var byUID: [String: PodFacts] = [:]
        for pod in podStore?.byIndex(GangIndex.name, gang.description) ?? [] {
            let m = PodFacts(pod)
            if !m.terminal && !m.deleting { byUID[m.uid] = m }
        }
        byUID[f.uid] = f
        return Array(byUID.values)
    }

    /// At bind: the reservation this member consumes on `node`, nil for pods not steered by a plan.
    func takeGangReservation(_ f: PodFacts, request: PodRequest, node: String, now: Date) throws(BindError) -> Allocation? {
        guard let gang = f.gang, let plan = gangPlans[gang.description] else { return nil }
        let match = plan.reservationIDs.sorted().compactMap { ledger.allocation($0) }
            .first { $0.node == node && Self.sameShape($0.request, request) }
        guard let r = match else {
            throw .notInGangPlan(pod: f.key, node: node, "gang \(gang) holds no reservation for this member on \(node)")
        }
        gangPlans[gang.description]?.reservationIDs.remove(r.id)
        if gangPlans[gang.description]?.reservationIDs.isEmpty == true { gangPlans[gang.description] = nil }
        return r
    }

    /// Members of one replica type share a shape; tolerations and pool lists do not make a slot different.
    static func sameShape(_ a: PodRequest, _ b: PodRequest) -> Bool {
        a.cpuMilli == b.cpuMilli && a.memoryBytes == b.memoryBytes && a.slices == b.slices && a.wholeDevices == b.wholeDevices
    }

    /// Releases reservations whose TTL has passed.
    public func expireReservations(now: Date) {
        let expired = ledger.expireReservations(now: now)
        guard !expired.isEmpty else { return }
        for a in expired { forget(reservation: a.id) }
        metrics?.reservationsExpired(expired.count)
        logger.info("gang reservations expired", ["count": expired.count])
    }

    func dropReservation(_ id: String) {
        ledger.release(id)
        forget(reservation: id)
    }

    private func forget(reservation id: String) {
        for (gang, plan) in gangPlans where plan.reservationIDs.contains(id) {
            gangPlans[gang]?.reservationIDs.remove(id)
            if gangPlans[gang]?.reservationIDs.isEmpty == true { gangPlans[gang] = nil }
        }
    }

    /// A gang pod went away; when none is left, the gang is deleted and its reservations go with it.
    func gangMemberGone(_ gang: String, namespace: String, label: String) {
        guard let plan = gangPlans[gang] else { return }
        let remaining = (podStore?.byIndex(GangIndex.name, gang) ?? []).filter { !$0.isTerminal && $0.metadata.deletionTimestamp == nil }
        guard remaining.isEmpty else { return }
        for id in plan.reservationIDs { ledger.release(id) }
        gangPlans[gang] = nil
        logger.info("gang deleted; reservations released", ["gang": gang, "count": plan.reservationIDs.count])
    }

    public var gangReservations: [String: [String]] {
        var out: [String: [String]] = [:]
        for (gang, plan) in gangPlans {
            out[gang] = plan.reservationIDs.sorted().compactMap { ledger.allocation($0).map { "\($0.node):\($0.devicesAnnotation)" } }
        }
        return out
    }
}

/// The pod store index of gang members: `<namespace>/<gang label>`.
public enum GangIndex {
    public static let name = "gang"
    public static var index: StoreIndex<Pod> {
        StoreIndex(name: name) { pod in
            GangID(podNamespace: pod.metadata.namespace, labels: pod.metadata.labels).map { [$0.description] } ?? []
        }
    }
}
