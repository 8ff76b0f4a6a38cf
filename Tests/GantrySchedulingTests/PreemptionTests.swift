// Victim selection: never higher-priority work, never a running gang below its minimum, the fewest
// device-seconds lost, reclaim between queues by fair share, and nothing on nodes preemption cannot fix.

import Foundation
import Testing
@testable import GantryScheduling

struct PreemptionTests {
    let planner = PreemptionPlanner()

    func owner(_ workload: String, priority: Int, preemptible: Bool = false, gang: String? = nil, min: Int = 1,
               queue: String? = nil, hoursAgo: Double = 1) -> WorkloadRef {
        WorkloadRef(workload: workload, gang: gang, gangMinMember: min, queue: queue, priority: priority,
                    preemptible: preemptible, startedAt: t0.addingTimeInterval(-hoursAgo * 3600))
    }

    func pod(_ name: String, _ r: PodRequest = whole(1), priority: Int, queue: String? = nil) -> PreemptionRequest {
        PreemptionRequest(workload: name, gang: GangSpec(gang: name, members: [GangMember(name: name, request: r)], minMember: 1),
                          priority: priority, queue: queue)
    }

    @Test func evictsLowerPriorityWholeGangsAndNeverHigherPriority() throws {
        var ledger = DeviceLedger(nodes: [node("n", devices: 4)])
        try ledger.place("low-0", request: whole(1), on: "n", owner: owner("low", priority: 1, gang: "low", min: 2))
        try ledger.place("low-1", request: whole(1), on: "n", owner: owner("low", priority: 1, gang: "low", min: 2))
        try ledger.place("high", request: whole(1), on: "n", owner: owner("high", priority: 10, hoursAgo: 0.01))
        try ledger.place("peer", request: whole(1), on: "n", owner: owner("peer", priority: 5, hoursAgo: 0.01))
        // Needs 2 devices at priority 5: the gang of priority 1 goes whole; high (10) and peer (5, not
        // preemptible) are untouchable even though each is cheaper.
        let plan = try planner.plan(pod("me", whole(2), priority: 5), in: ledger, now: t0).get()
        #expect(plan.victims.map(\.workload) == ["low"])
        #expect(plan.victims[0].allocations == ["low-0", "low-1"] && plan.victims[0].wholeWorkload)
        #expect(plan.victims[0].reason == "priority 1 < 5")
        #expect(abs(plan.deviceSeconds - 2 * 3600) < 1e-6)
        #expect(plan.explanation.contains("evict low (2 pod(s) on n): priority 1 < 5; loses 2.0 device-hours"))
        // Needing 3 devices it would have to touch high or peer: it fails instead, saying why.
        guard case .failure(let f) = planner.plan(pod("me", whole(3), priority: 5), in: ledger, now: t0) else {
            Issue.record("must not evict higher or equal-priority protected work")
            return
        }
        #expect(f.reason.contains("frees too little"))
        // At priority 0 nothing is evictable at all.
        guard case .failure(let none) = planner.plan(pod("me", whole(1), priority: 0), in: ledger, now: t0) else {
            Issue.record("priority 0 may evict nothing")
            return
        }
        #expect(none.reason.contains("protected"))
    }

    @Test func neverCutsARunningGangBelowItsMinimum() throws {
        var ledger = DeviceLedger(nodes: [node("n", devices: 3), node("m", devices: 2)])
        // Gang "elastic" runs 3 members with minimum 2: one member may go alone.
        for i in 0..<3 { try ledger.place("e\(i)", request: whole(1), on: "n", owner: owner("elastic", priority: 1, gang: "elastic", min: 2, hoursAgo: Double(i + 1))) }
        // Gang "rigid" runs 2 members with minimum 2: only as a whole.
        for i in 0..<2 { try ledger.place("r\(i)", request: whole(1), on: "m", owner: owner("rigid", priority: 1, gang: "rigid", min: 2, hoursAgo: 0.5)) }
        let one = try planner.plan(pod("me", priority: 5), in: ledger, now: t0).get()
        // Cheapest: the surplus member e0 (1 device-hour) rather than all of rigid (also 1) — fewer pods lost.
        #expect(one.victims.count == 1)
        #expect(one.victims[0].allocations == ["e0"] && !one.victims[0].wholeWorkload)
        // Two devices on one node: on n that would cut elastic to 1 < 2, so rigid (cheap, whole) goes instead.
        let two = try planner.plan(pod("me", whole(2), priority: 5), in: ledger, now: t0).get()
        #expect(two.victims.map(\.workload) == ["rigid"] && two.victims[0].allocations == ["r0", "r1"])
        // Whatever is chosen, every gang left running keeps at least its minimum.
        for plan in [one, two] {
            var after = ledger
            for v in plan.victims { for id in v.allocations { after.release(id) } }
            for g in ["elastic", "rigid"] {
                let left = after.allocations.values.filter { $0.owner.gang == g }.count
                #expect(left == 0 || left >= 2)
            }
        }
    }

    @Test func minimisesDeviceSecondsLost() throws {
        var ledger = DeviceLedger(nodes: [node("a", devices: 1), node("b", devices: 1), node("c", devices: 2)])
        try ledger.place("old", request: whole(1), on: "a", owner: owner("old", priority: 0, hoursAgo: 10))
        try ledger.place("new", request: whole(1), on: "b", owner: owner("new", priority: 0, hoursAgo: 1))
        try ledger.place("pair0", request: whole(1), on: "c", owner: owner("pair0", priority: 0, hoursAgo: 3))
        try ledger.place("pair1", request: whole(1), on: "c", owner: owner("pair1", priority: 0, hoursAgo: 3))
        #expect(try planner.plan(pod("me", priority: 1), in: ledger, now: t0).get().victims.map(\.workload) == ["new"])
        // Two devices on one node: only c can hold them.
        let two = try planner.plan(pod("me", whole(2), priority: 1), in: ledger, now: t0).get()
        #expect(Set(two.victims.map(\.workload)) == ["pair0", "pair1"])
    }

    @Test func preemptibleAndFairShareReclaimAtEqualPriority() throws {
        var ledger = DeviceLedger(nodes: [node("n", devices: 2)])
        try ledger.place("batch", request: whole(1), on: "n", owner: owner("batch", priority: 5, preemptible: true, queue: "q1"))
        try ledger.place("greedy", request: whole(1), on: "n", owner: owner("greedy", priority: 5, queue: "q2", hoursAgo: 0.1))
        // Preemptible work at equal priority may go.
        let p = try planner.plan(pod("me", priority: 5, queue: "q3"), in: ledger, now: t0).get()
        #expect(p.victims.map(\.workload) == ["batch"] && p.victims[0].reason == "preemptible at equal priority 5")
        ledger.release("batch")
        try ledger.place("steady", request: whole(1), on: "n", owner: owner("steady", priority: 5, queue: "q1"))
        // q2 is over its share and q3 under: q2's work may be reclaimed, q1's (at its share) may not.
        let ratios = ["q1": 1.0, "q2": 1.5, "q3": 0.5]
        let r = try planner.plan(pod("me", priority: 5, queue: "q3"), in: ledger, usageRatios: ratios, now: t0).get()
        #expect(r.victims.map(\.workload) == ["greedy"])
        #expect(r.victims[0].reason.contains("queue q2 is above its fair share (150% of share) while q3 is below (50% of share)"))
        // A requester already above its own share reclaims nothing.
        guard case .failure = planner.plan(pod("me", priority: 5, queue: "q3"), in: ledger, usageRatios: ["q2": 1.5, "q3": 1.2], now: t0) else {
            Issue.record("a queue above its share must not reclaim")
            return
        }
    }

    @Test func skipsNodesPreemptionCannotFix() throws {
        let thermal = ThermalPolicy(chassis: ThermalThreshold(softC: 70, hardC: 85))
        var hot = node("hot", devices: 2)
        hot.chassisTemperature = TemperatureReading(celsius: 90, observedAt: t0)
        var ledger = DeviceLedger(nodes: [hot, node("cool", devices: 1)])
        // The pods were placed before the node heated up.
        try ledger.record(Allocation(id: "cheap", node: "hot", request: whole(1), grants: [DeviceGrant(deviceID: "hot-gcu0", cores: 100, memoryMiB: 48_000)],
                                     owner: owner("cheap", priority: 0, hoursAgo: 0.1)))
        try ledger.place("dear", request: whole(1), on: "cool", owner: owner("dear", priority: 0, hoursAgo: 50))
        let p = PreemptionPlanner(planner: GangPlanner(engine: PlacementEngine(defaultPolicy: PoolPolicy(thermal: thermal))))
        let plan = try p.plan(pod("me", priority: 1), in: ledger, now: t0).get()
        // Evicting "cheap" would not help: "hot" is over its hard limit. Only the dearer pod on "cool" works.
        #expect(plan.victims.map(\.workload) == ["dear"] && plan.placement.nodes == ["cool"])
    }

    @Test func gangRequesterFreesRoomAcrossNodes() throws {
        var ledger = DeviceLedger(nodes: [node("a", devices: 2), node("b", devices: 2)])
        for (i, n) in ["a", "a", "b", "b"].enumerated() {
            try ledger.place("p\(i)", request: whole(1), on: n, owner: owner("w\(i)", priority: i == 3 ? 9 : 0, hoursAgo: Double(i + 1)))
        }
        let gang = GangSpec(gang: "g", members: (0..<3).map { GangMember(name: "g\($0)", request: whole(1)) }, minMember: 3)
        let plan = try planner.plan(PreemptionRequest(workload: "g", gang: gang, priority: 5), in: ledger, now: t0).get()
        // w3 has priority 9: the three others go, and the gang plans across both nodes.
        #expect(Set(plan.victims.map(\.workload)) == ["w0", "w1", "w2"])
        #expect(plan.placement.placements.count == 3)
        #expect(!plan.victims.contains { $0.priority > 5 })
    }
}
