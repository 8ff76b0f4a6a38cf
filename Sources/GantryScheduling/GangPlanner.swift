// All-or-nothing gang placement (DESIGN §6.3): plan at least `minMember` members on a scratch copy of the
// ledger, preferring nodes and racks the gang already uses, then reserve the whole plan at once with a TTL.
// Later members consume their reservations. A gang is reserved whole or not at all, and a second gang
// plans against the first one's reservations, so two gangs can never each hold half of what they need.

import Foundation

public struct GangMember: Hashable, Sendable {
    /// Stable member key within the gang (pod name, or role-index).
    public var name: String
    public var request: PodRequest

    public init(name: String, request: PodRequest) {
        self.name = name
        self.request = request
    }
}

public struct GangSpec: Hashable, Sendable {
    /// `gantry.dev/gang` key (`<namespace>/<job>`).
    public var gang: String
    public var members: [GangMember]
    public var minMember: Int
    public var owner: WorkloadRef

    public init(gang: String, members: [GangMember], minMember: Int, owner: WorkloadRef = .init()) {
        self.gang = gang
        self.members = members
        self.minMember = minMember
        self.owner = owner
    }
}

public struct MemberPlacement: Hashable, Sendable {
    public var member: String
    public var node: String
    public var assignment: DeviceAssignment
    public var request: PodRequest
}

public struct GangPlan: Hashable, Sendable {
    public var gang: String
    /// Required members first (largest first), then optional ones that also fit.
    public var placements: [MemberPlacement]
    /// Members beyond `minMember` that did not fit (they wait; the gang can start without them).
    public var unplaced: [String]
    public var nodes: [String] { var seen = Set<String>(); return placements.map(\.node).filter { seen.insert($0).inserted } }
}

public struct GangPlanFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public var gang: String
    public var needed: Int
    public var placeable: Int
    /// Why each member that did not fit could not (a placement explanation against the partial plan).
    public var reasons: [String: String]

    public var description: String {
        let head = needed > 0 && placeable < needed
            ? "gang \(gang) needs \(needed) members placed together; only \(placeable) fit now"
            : "gang \(gang) cannot be planned"
        let why = reasons.sorted { $0.key < $1.key }.prefix(3).map { "\($0.key): \($0.value)" }
        return ([head] + why).joined(separator: "; ")
    }
}

public struct GangPlanner: Sendable {
    public var engine: PlacementEngine

    public init(engine: PlacementEngine = PlacementEngine()) { self.engine = engine }

    /// Plans the gang on the current free capacity (reservations of other gangs count as taken).
    public func plan(_ spec: GangSpec, in ledger: DeviceLedger, now: Date) -> Result<GangPlan, GangPlanFailure> {
        let needed = max(0, min(spec.minMember, spec.members.count))
        if spec.minMember > spec.members.count {
            return .failure(GangPlanFailure(gang: spec.gang, needed: spec.minMember, placeable: 0,
                                            reasons: ["gang": "minMember \(spec.minMember) exceeds its \(spec.members.count) members"]))
        }
        for m in spec.members {
            do { try m.request.validate() } catch {
                return .failure(GangPlanFailure(gang: spec.gang, needed: needed, placeable: 0, reasons: [m.name: error.description]))
            }
        }
        // Largest members first: they are the hardest to place; ties by name keep the plan deterministic.
        let order = spec.members.sorted {
            let a = ($0.request.devicePercent, $0.request.cpuMilli, $0.request.memoryBytes)
            let b = ($1.request.devicePercent, $1.request.cpuMilli, $1.request.memoryBytes)
            return a != b ? a > b : $0.name < $1.name
        }
        var scratch = ledger
        var context = GangContext(gang: spec.gang)
        // Members of this gang already running count as where the gang is.
        for a in ledger.allocations.values where a.owner.gang == spec.gang {
            context.nodes.insert(a.node)
            if let rack = ledger.node(named: a.node)?.spec.rack { context.racks.insert(rack) }
        }
        var placements: [MemberPlacement] = []
        var unplaced: [String] = []
        var reasons: [String: String] = [:]
        // Scores of every node for the current member shape. Placing a member changes only its node and,
        // when it enters a new rack, that rack's gang-affinity scores; everything else keeps its score, so
        // identical members cost one rescore each instead of a full scan.
        var shape: PodRequest? = nil
        var ctx: ScanContext? = nil
        var scores = [Double](repeating: -.infinity, count: scratch.nodes.count)
        var picks = [DeviceAssignment](repeating: .none, count: scratch.nodes.count)
        var slotsByRack: [Int32: [Int]] = [:]
        for slot in scratch.nodes.indices where scratch.nodes[slot].active { slotsByRack[scratch.nodes[slot].rackCode, default: []].append(slot) }
        func rescore(_ slots: [Int]?) {
            guard let c = ctx else { return }
            // Through a buffer pointer so nodes are read in place, not copied.
            scratch.nodes.withUnsafeBufferPointer { buffer in
                guard let nodes = buffer.baseAddress else { return }
                for slot in slots ?? Array(buffer.indices) {
                    var a = DeviceAssignment.none
                    scores[slot] = nodes[slot].active ? LedgerNode.place(at: nodes + slot, c, slot: slot, &a) : -.infinity
                    picks[slot] = a
                }
            }
        }
        for (i, m) in order.enumerated() {
            if shape != m.request {
                shape = m.request
                ctx = ScanContext(scratch.compile(m.request), ledger: scratch, engine: engine, now: now, gang: context)
                rescore(nil)
            }
            var best = -1
            let rank = scratch.nameRank
            for slot in scores.indices where scores[slot] > -.infinity {
                if best < 0 || scores[slot] > scores[best] || (scores[slot] == scores[best] && rank[slot] < rank[best]) {
                    best = slot
                }
            }
            guard best >= 0 else {
                reasons[m.name] = engine.evaluate(m.request, in: scratch, now: now, gang: context).explanation
                unplaced.append(m.name)
                // Once the required members cannot all fit, the gang cannot start: stop early.
                if placements.count + (order.count - i - 1) < needed { break }
                continue
            }
            let node = scratch.nodes[best].name
            do {
                try scratch.allocate("\(spec.gang)#plan#\(m.name)", request: m.request, on: node, assignment: picks[best])
            } catch {
                reasons[m.name] = error.description
                unplaced.append(m.name)
                scores[best] = -.infinity
                continue
            }
            placements.append(MemberPlacement(member: m.name, node: node, assignment: picks[best], request: m.request))
            context.nodes.insert(node)
            var changed = [best]
            if let rack = scratch.nodes[best].spec.rack, context.racks.insert(rack).inserted {
                changed += slotsByRack[scratch.nodes[best].rackCode] ?? []
            }
            if let c = ctx { ctx = ScanContext(c, gang: context, ledger: scratch) }
            rescore(changed)
        }
        if placements.count < needed || (needed == 0 && placements.isEmpty && !spec.members.isEmpty) {
            return .failure(GangPlanFailure(gang: spec.gang, needed: needed, placeable: placements.count, reasons: reasons))
        }
        let placedNames = Set(placements.map(\.member))
        return .success(GangPlan(gang: spec.gang, placements: placements,
                                 unplaced: spec.members.map(\.name).filter { !placedNames.contains($0) }))
    }

    /// Reserves every placement of the plan, all or none; returns the reservation IDs (`<gang>#<member>`).
    @discardableResult
    public static func reserve(_ plan: GangPlan, owner: WorkloadRef, in ledger: inout DeviceLedger, ttl: TimeInterval,
                               now: Date) throws(LedgerError) -> [String] {
        var done: [String] = []
        var owner = owner
        owner.gang = plan.gang
        let reservation = Reservation(gang: plan.gang, expiresAt: now.addingTimeInterval(max(0, ttl)))
        for p in plan.placements {
            let id = reservationID(gang: plan.gang, member: p.member)
            do {
                try ledger.allocate(id, request: p.request, on: p.node, assignment: p.assignment, owner: owner, reservation: reservation)
                done.append(id)
            } catch {
                for d in done { ledger.release(d) }
                throw error
            }
        }
        return done
    }

    public static func reservationID(gang: String, member: String) -> String { "\(gang)#\(member)" }

    /// The reservation a newly arrived member should take: its own (by member name) if present, else any
    /// unclaimed one of the gang with the same request, first by ID so concurrent callers agree.
    public static func reservation(forMember member: String, request: PodRequest, gang: String, in ledger: DeviceLedger,
                                   now: Date) -> Allocation? {
        if let own = ledger.allocation(reservationID(gang: gang, member: member)), let r = own.reservation, r.expiresAt > now {
            return own
        }
        return ledger.reservations.first { a in
            guard let r = a.reservation, r.gang == gang, r.expiresAt > now else { return false }
            return a.request == request
        }
    }

    /// Binds an arriving member pod to its gang's reservation, keeping the planned devices.
    @discardableResult
    public static func claim(podID: String, member: String, request: PodRequest, gang: String, owner: WorkloadRef,
                             in ledger: inout DeviceLedger, now: Date) throws(LedgerError) -> Allocation? {
        guard let r = reservation(forMember: member, request: request, gang: gang, in: ledger, now: now) else { return nil }
        return try ledger.bindReservation(r.id, to: podID, owner: owner)
    }

    /// Nodes holding unexpired reservations of the gang that fit this member: the extender's filter steers
    /// members there (every other node is rejected as outside the plan).
    public static func plannedNodes(gang: String, request: PodRequest, in ledger: DeviceLedger, now: Date) -> Set<String> {
        Set(ledger.reservations.filter { a in
            guard let r = a.reservation else { return false }
            return r.gang == gang && r.expiresAt > now && a.request == request
        }.map(\.node))
    }

    /// Releases every reservation of each gang that has any expired one: a gang whose plan lapsed gives back
    /// all it held, so it never sits half-reserved. Returns the gangs released.
    @discardableResult
    public static func expire(in ledger: inout DeviceLedger, now: Date) -> [String] {
        let all = ledger.reservations
        let lapsed = Set(all.compactMap { a -> String? in
            guard let r = a.reservation, r.expiresAt <= now else { return nil }
            return r.gang
        })
        for a in all where lapsed.contains(a.reservation?.gang ?? "") { ledger.release(a.id) }
        return lapsed.sorted()
    }
}


