// Gangs (DESIGN §6.3) through the engine's GangPlanner. The first member kube-scheduler asks about gets the whole
// gang planned and reserved at once (the members it still needs to reach minMember, device by device, with a
// TTL), all or nothing, so two gangs can never each hold half of what they need. Later members are steered to
// their reserved slots and claim them at bind. Reservations lapse after the TTL (a gang's all at once) and are
// released as soon as the gang's last pod is gone.

import Foundation
import GantryAPI
import GantryScheduling
import KubeCore
import KubeRuntime

/// How a gang's plan steers one member in filter.
struct GangSteering {
    var gang: String
    /// Nodes holding a reservation with this member's shape.
    var slots: Set<String>
    /// Nodes holding the gang's reservations for members of another shape.
    var otherSlots: Set<String>
    /// Set when the gang cannot be placed (or still waits for members): every node is rejected with it.
    var blocked: String?

    func rejects(node: String) -> String? {
        if let blocked { return blocked }
        if slots.contains(node) { return nil }
        if otherSlots.contains(node) { return "gang plan reserves \(node) for another member of gang \(gang)" }
        return "gang \(gang) is planned onto \(slots.sorted().prefix(5).joined(separator: ", "))"
    }
}

extension ClusterLedger {
    /// The gang's steering for this member; nil for pods of no gang, or of a gang whose minimum is bound.
    func gangSteering(_ f: PodFacts, now: Date) -> GangSteering? {
        guard let gang = f.gang else { return nil }
        let key = gang.description
        if gangPlans[key]?.isEmpty ?? true, let blocked = planGang(gang, member: f, now: now) {
            return GangSteering(gang: key, slots: [], otherSlots: [], blocked: blocked)
        }
        guard let ids = gangPlans[key], !ids.isEmpty else { return nil }
        let slots = GangPlanner.plannedNodes(gang: key, request: engineRequest(f), in: ledger, now: now)
        let all = Set(ids.compactMap { ledger.allocation($0)?.node })
        if slots.isEmpty {
            return GangSteering(gang: key, slots: [], otherSlots: all, blocked: "gang \(key): no reserved slot left for a member of this shape")
        }
        return GangSteering(gang: key, slots: slots, otherSlots: all.subtracting(slots), blocked: nil)
    }

    /// Plans and reserves the members the gang still needs; returns why it cannot, or nil when planned (or
    /// when nothing is needed because minMember pods are bound already).
    func planGang(_ gang: GangID, member f: PodFacts, now: Date) -> String? {
        let key = gang.description
        let members = gangMembers(gang, including: f)
        let bound = members.filter { $0.nodeName != nil || inFlight[$0.uid] != nil }.count
        let minMember = members.map(\.owner.gangMinMember).max() ?? f.owner.gangMinMember
        let needed = minMember - bound
        if needed <= 0 { return nil }
        let pending = members.filter { $0.nodeName == nil && $0.requestError == nil && inFlight[$0.uid] == nil }
            .sorted { ($0.creationTime ?? .distantPast, $0.name) < ($1.creationTime ?? .distantPast, $1.name) }
        if pending.count < needed {
            return "gang \(key) waits for its members: \(bound + pending.count) of minMember \(minMember) exist"
        }
        let spec = GangSpec(gang: key, members: pending.map { GangMember(name: $0.name, request: engineRequest($0)) },
                            minMember: needed, owner: f.owner)
        switch GangPlanner(engine: engine).plan(spec, in: ledger, now: now) {
        case .failure(let why):
            metrics?.gangPlan(result: "unplaceable")
            return "\(why)"
        case .success(let plan):
            var owner = f.owner
            owner.workload = "gang:\(key)"
            owner.startedAt = nil
            do {
                let ids = try GangPlanner.reserve(plan, owner: owner, in: &ledger, ttl: configuration.reservationTTL, now: now)
                for id in ids { if let a = ledger.allocation(id) { account(a, +1) } }
                gangPlans[key] = Set(ids)
            } catch {
                // Planned on this very ledger in this turn, so this would be an engine bug; the engine undid the lot.
                logger.error("gang plan did not fit the ledger it was made on", ["gang": key, "error": error])
                return "gang \(key): internal planning error"
            }
            metrics?.gangPlan(result: "reserved")
            logger.info("gang planned and reserved", ["gang": key, "members": plan.placements.count, "needed": needed,
                                                      "nodes": plan.nodes.joined(separator: ",")])
            return nil
        }
    }

    /// The gang's pods known to the pod cache (plus the one asking, which may be newer than the cache).
    func gangMembers(_ gang: GangID, including f: PodFacts) -> [PodFacts] {
        var byUID: [String: PodFacts] = [:]
        for pod in podStore?.byIndex(GangIndex.name, gang.description) ?? [] where !pod.facts.terminal && !pod.facts.deleting {
            byUID[pod.facts.uid] = pod.facts
        }
        byUID[f.uid] = f
        return Array(byUID.values)
    }

    /// At bind: the reservation this member claims on `node` (its own if there, else any of the gang's with its
    /// shape), nil for pods not steered by a plan. Throws when the gang holds nothing for it on that node.
    func takeGangReservation(_ f: PodFacts, request: PodRequest, node: String, now: Date) throws(BindError) -> Allocation? {
        guard let gang = f.gang?.description, let ids = gangPlans[gang], !ids.isEmpty else { return nil }
        var match = GangPlanner.reservation(forMember: f.name, request: request, gang: gang, in: ledger, now: now)
        if match?.node != node {
            match = ledger.allocations(onNode: node).first { a in
                guard let r = a.reservation, r.gang == gang, r.expiresAt > now else { return false }
                return a.request == request
            }
        }
        guard let r = match else {
            throw .notInGangPlan(pod: f.key, node: node, "gang \(gang) holds no reservation for this member on \(node)")
        }
        forget(reservation: r.id)
        return r
    }

    /// Releases the reservations of every gang with a lapsed one (the engine gives a gang's plan back whole).
    public func expireReservations(now: Date) {
        guard !gangPlans.isEmpty else { return }
        let before = ledger.reservations
        let gangs = GangPlanner.expire(in: &ledger, now: now)
        guard !gangs.isEmpty else { return }
        var released = 0
        for a in before where ledger.allocation(a.id) == nil {
            account(a, -1)
            forget(reservation: a.id)
            released += 1
        }
        metrics?.reservationsExpired(released)
        logger.info("gang reservations expired", ["gangs": gangs.joined(separator: ","), "count": released])
    }

    func dropReservation(_ id: String) {
        releaseAllocation(id)
        forget(reservation: id)
    }

    func forget(reservation id: String) {
        for (gang, ids) in gangPlans where ids.contains(id) {
            gangPlans[gang]?.remove(id)
            if gangPlans[gang]?.isEmpty == true { gangPlans[gang] = nil }
        }
    }

    /// A gang pod went away; when none is left, the gang is deleted and its reservations go with it.
    func gangMemberGone(_ gang: String) {
        guard let ids = gangPlans[gang] else { return }
        let remaining = (podStore?.byIndex(GangIndex.name, gang) ?? []).filter { !$0.facts.terminal && !$0.facts.deleting }
        guard remaining.isEmpty else { return }
        for id in ids { releaseAllocation(id) }
        gangPlans[gang] = nil
        logger.info("gang deleted; reservations released", ["gang": gang, "count": ids.count])
    }

    public var gangReservations: [String: [String]] {
        var out: [String: [String]] = [:]
        for (gang, ids) in gangPlans {
            out[gang] = ids.sorted().compactMap { ledger.allocation($0).map { "\($0.node):\($0.devicesAnnotation)" } }
        }
        return out
    }
}
