// Gang planning: all-or-nothing, locality (fewer nodes, same rack), reservations taken by later members,
// expiry of a whole plan, and the two-gang deadlock that per-pod scheduling walks into.

import Foundation
import Testing
@testable import GantryScheduling

struct GangTests {
    let planner = GangPlanner()

    func gang(_ name: String, members: Int, min: Int, request: PodRequest = whole(1)) -> GangSpec {
        GangSpec(gang: name, members: (0..<members).map { GangMember(name: "\(name)-\($0)", request: request) }, minMember: min)
    }

    @Test func placesAllOrNothing() throws {
        let ledger = DeviceLedger(nodes: [node("a", devices: 4), node("b", devices: 4)])
        let ok = try planner.plan(gang("g", members: 4, min: 4, request: whole(2)), in: ledger, now: t0).get()
        #expect(ok.placements.count == 4 && ok.unplaced.isEmpty)
        guard case .failure(let f) = planner.plan(gang("big", members: 5, min: 5, request: whole(2)), in: ledger, now: t0) else {
            Issue.record("a gang needing 10 devices on 8 must not plan")
            return
        }
        #expect(f.needed == 5 && f.placeable == 4)
        #expect(f.description.hasPrefix("gang big needs 5 members placed together; only 4 fit now"))
        #expect(f.description.contains("not enough fitting devices"))
        // Planning never touches the real ledger.
        #expect(ledger.allocations.isEmpty)
    }

    @Test func optionalMembersBeyondTheMinimum() throws {
        let ledger = DeviceLedger(nodes: [node("a", devices: 4), node("b", devices: 4)])
        let p = try planner.plan(gang("g", members: 5, min: 3, request: whole(2)), in: ledger, now: t0).get()
        #expect(p.placements.count == 4)
        #expect(p.unplaced.count == 1)
        guard case .failure = planner.plan(gang("g", members: 2, min: 3), in: ledger, now: t0) else {
            Issue.record("minMember above the member count must fail")
            return
        }
    }

    @Test func prefersFewNodesThenTheSameRack() throws {
        // Name order alternates racks; the planner stays on n1 while it can, then moves to n3 in the same rack.
        let ledger = DeviceLedger(nodes: [node("n1", devices: 4, rack: "r1"), node("n2", devices: 4, rack: "r2"),
                                          node("n3", devices: 4, rack: "r1"), node("n4", devices: 4, rack: "r2")])
        let small = try planner.plan(gang("s", members: 4, min: 4), in: ledger, now: t0).get()
        #expect(small.nodes == ["n1"])
        let wide = try planner.plan(gang("w", members: 6, min: 6), in: ledger, now: t0).get()
        #expect(wide.nodes == ["n1", "n3"])
    }

    @Test func competingGangsNeverBothHalfPlace() throws {
        // 8 devices; two gangs of 6 single-device members each.
        let nodes = (1...4).map { node("n\($0)", devices: 2) }
        let a = gang("a", members: 6, min: 6)
        let b = gang("b", members: 6, min: 6)

        // A naive scheduler places pods one by one as they arrive, interleaved: both gangs end up half placed
        // and neither can ever start.
        var naive = DeviceLedger(nodes: nodes)
        let engine = PlacementEngine()
        var placed: [String: Int] = ["a": 0, "b": 0]
        for i in 0..<6 {
            for g in [a, b] {
                if let c = engine.best(g.members[i].request, in: naive, now: t0) {
                    try naive.allocate(g.members[i].name, request: g.members[i].request, on: c.node, assignment: c.assignment)
                    placed[g.gang]! += 1
                }
            }
        }
        #expect(placed["a"]! < 6 && placed["b"]! < 6 && placed["a"]! + placed["b"]! == 8)

        // The planner reserves a whole gang or nothing: a runs, b waits holding nothing.
        var ledger = DeviceLedger(nodes: nodes)
        let planA = try planner.plan(a, in: ledger, now: t0).get()
        try GangPlanner.reserve(planA, owner: WorkloadRef(workload: "a"), in: &ledger, ttl: 60, now: t0)
        guard case .failure(let f) = planner.plan(b, in: ledger, now: t0) else {
            Issue.record("b must not plan while a holds 6 of 8 devices")
            return
        }
        #expect(f.placeable == 2)
        #expect(ledger.reservations.count == 6)
        #expect(ledger.reservations.allSatisfy { $0.reservation?.gang == "a" })
        // Once a is gone, b plans in full.
        for r in ledger.reservations { ledger.release(r.id) }
        #expect(throws: Never.self) { try planner.plan(b, in: ledger, now: t0).get() }
    }

    @Test func membersConsumeReservationsAndPlansExpireWhole() throws {
        var ledger = DeviceLedger(nodes: [node("a", devices: 4), node("b", devices: 4)])
        let spec = gang("job", members: 3, min: 3, request: whole(2))
        let plan = try planner.plan(spec, in: ledger, now: t0).get()
        let ids = try GangPlanner.reserve(plan, owner: WorkloadRef(workload: "ns/job", priority: 5), in: &ledger, ttl: 120, now: t0)
        #expect(ids.count == 3)
        #expect(GangPlanner.plannedNodes(gang: "job", request: whole(2), in: ledger, now: t0) == Set(plan.nodes))
        // Another pod cannot take the reserved devices.
        #expect(PlacementEngine().best(whole(2), in: ledger, now: t0)?.node == "b")
        let owner = WorkloadRef(workload: "ns/job", gang: "job", gangMinMember: 3, priority: 5, startedAt: t0)
        let first = try #require(try GangPlanner.claim(podID: "uid-0", member: "job-0", request: whole(2), gang: "job",
                                                       owner: owner, in: &ledger, now: t0.addingTimeInterval(10)))
        #expect(first.id == "uid-0" && first.node == plan.placements.first { $0.member == "job-0" }?.node)
        // A member whose own reservation is gone takes any equal one.
        _ = try GangPlanner.claim(podID: "uid-x", member: "renamed", request: whole(2), gang: "job", owner: owner,
                                  in: &ledger, now: t0.addingTimeInterval(20))
        #expect(ledger.reservations.count == 1)
        // A mismatched request claims nothing.
        #expect(try GangPlanner.claim(podID: "uid-y", member: "job-9", request: whole(1), gang: "job", owner: owner,
                                      in: &ledger, now: t0.addingTimeInterval(20)) == nil)
        // The TTL lapses: the last reservation goes; bound members stay.
        #expect(GangPlanner.expire(in: &ledger, now: t0.addingTimeInterval(119)).isEmpty)
        #expect(GangPlanner.expire(in: &ledger, now: t0.addingTimeInterval(120)) == ["job"])
        #expect(ledger.reservations.isEmpty && ledger.allocations.count == 2)
    }

    @Test func reservationIsAllOrNone() throws {
        var ledger = DeviceLedger(nodes: [node("a", devices: 2)])
        let plan = try planner.plan(gang("g", members: 2, min: 2), in: ledger, now: t0).get()
        // Someone takes a device between planning and reserving: nothing of the plan is kept.
        try ledger.place("intruder", request: whole(1), on: "a")
        #expect(throws: LedgerError.self) { try GangPlanner.reserve(plan, owner: .init(), in: &ledger, ttl: 60, now: t0) }
        #expect(ledger.reservations.isEmpty && ledger.allocations.count == 1)
    }
}
