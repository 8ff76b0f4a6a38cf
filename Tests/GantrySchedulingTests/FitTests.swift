// Device-level fit: which requests fit which device states, on which devices exactly, and the reason and
// resolvability when they do not.

import Foundation
import Testing
@testable import GantryScheduling

struct FitCase: CustomStringConvertible, Sendable {
    var name: String
    var request: PodRequest
    /// (allocation id, positions, cores) slices placed before the request.
    var occupied: [(String, [Int], Int)] = []
    var unhealthy: [Int] = []
    var maxSlices = 6
    var devices = 4
    /// Expected device positions (whole, slices) when it fits.
    var fits: (whole: [Int], slices: [Int])?
    /// Expected shortfall tally when it does not: (fitting, needed, resolvable, a phrase in the message).
    var fails: (fitting: Int, needed: Int, resolvable: Bool, phrase: String)?
    var description: String { name }
}

struct FitTests {
    static let cases: [FitCase] = [
        FitCase(name: "one slice on an empty node takes device 0", request: slices(1, 50), fits: ([], [0])),
        FitCase(name: "slices land on distinct devices", request: slices(3, 50), fits: ([], [0, 1, 2])),
        FitCase(name: "binpack puts a slice on the fullest device that fits", request: slices(1, 40),
                occupied: [("a", [2], 50), ("b", [1], 30)], fits: ([], [2])),
        FitCase(name: "more slices than devices is unresolvable", request: slices(5, 10),
                fails: (4, 5, false, "4/4 devices can take a 10% cores slice; 5 needed")),
        FitCase(name: "too few cores free is resolvable", request: slices(1, 60),
                occupied: [("a", [0, 1, 2, 3], 50)], fails: (0, 1, true, "4 too few cores free")),
        FitCase(name: "whole devices take the lowest idle positions", request: whole(2),
                occupied: [("a", [0], 10)], fits: ([1, 2], [])),
        FitCase(name: "whole devices need idle ones", request: whole(4),
                occupied: [("a", [3], 10)], fails: (3, 4, true, "1 in use")),
        FitCase(name: "mixed whole and slices use distinct devices", request: PodRequest(
            cpuMilli: 1000, slices: SliceRequest(count: 2, cores: 30), wholeDevices: [WholeDeviceRequest(count: 1)]),
                occupied: [("a", [3], 50)], fits: ([0], [3, 1])),
        FitCase(name: "mixed needs enough devices for both parts", request: PodRequest(
            cpuMilli: 1000, slices: SliceRequest(count: 2, cores: 30), wholeDevices: [WholeDeviceRequest(count: 3)]),
                fails: (1, 2, false, "3 taken by the pod's other devices")),
        FitCase(name: "allowed models exclude the node's model", request: slices(1, 10, models: ["T20"]),
                fails: (0, 1, false, "4 of a model not allowed")),
        FitCase(name: "allowed models include it", request: slices(1, 10, models: ["T20", "S60"]), fits: ([], [0])),
        FitCase(name: "unhealthy devices are skipped", request: slices(2, 10), unhealthy: [0, 1], fits: ([], [2, 3])),
        FitCase(name: "unhealthy devices do not count as resolvable", request: slices(3, 10), unhealthy: [0, 1],
                fails: (2, 3, false, "2 unhealthy")),
        FitCase(name: "slice limit per device", request: slices(1, 10),
                occupied: [("a", [0, 1, 2, 3], 10), ("b", [0, 1, 2, 3], 10)], maxSlices: 2,
                fails: (0, 1, true, "4 at their slice limit")),
        FitCase(name: "slice memory beyond the device is unresolvable", request: slices(1, 10, memoryMiB: 64_000),
                fails: (0, 1, false, "too little memory free")),
        FitCase(name: "whole devices of another vendor", request: whole(1, vendor: "nvidia"),
                fails: (0, 1, false, "4 of another vendor")),
    ]

    @Test(arguments: cases)
    func deviceFit(_ c: FitCase) throws {
        var ledger = DeviceLedger(nodes: [node("n", devices: c.devices, maxSlices: c.maxSlices)])
        for u in c.unhealthy { try ledger.setDeviceHealth(node: "n", device: "n-gcu\(u)", healthy: false) }
        for (id, pos, cores) in c.occupied { try ledger.occupy(id, node: "n", positions: pos, cores: cores) }
        let result = ledger.fit(c.request, node: "n")
        if let want = c.fits {
            let a = try #require(result.assignment, "\(result)")
            #expect(Array(a.whole) == want.whole.sorted())
            #expect(Array(a.slices) == want.slices.sorted())
            // The ledger accepts exactly what fit proposed, and nothing is over-committed afterwards.
            try ledger.allocate("pod", request: c.request, on: "n", assignment: a)
            #expect(ledger.violations().isEmpty)
        } else if let want = c.fails {
            guard case .fails(.devices(let s)) = result else {
                Issue.record("expected a device shortfall, got \(result)")
                return
            }
            #expect(s.fitting == want.fitting)
            #expect(s.needed == want.needed)
            #expect(s.resolvable == want.resolvable)
            #expect(s.description.contains(want.phrase), "\(s.description)")
        }
    }

    @Test func nodeResourcesAndResolvability() throws {
        var ledger = DeviceLedger(nodes: [node("n", cpu: 8000, memory: 16 * GiB, maxPods: 2)])
        let tooBig = ledger.fit(PodRequest(cpuMilli: 9000), node: "n")
        #expect(tooBig.failure == .insufficientCPU(freeMilli: 8000, requestedMilli: 9000, capacityMilli: 8000))
        #expect(tooBig.failure?.resolvable == false)
        try ledger.place("a", request: PodRequest(cpuMilli: 6000, memoryBytes: 10 * GiB), on: "n")
        let cpu = try #require(ledger.fit(PodRequest(cpuMilli: 4000), node: "n").failure)
        #expect(cpu.resolvable)
        #expect(cpu.description == "insufficient cpu: 2000m free, 4000m requested")
        let mem = try #require(ledger.fit(PodRequest(memoryBytes: 8 * GiB), node: "n").failure)
        #expect(mem.description == "insufficient memory: 6144 MiB free, 8192 MiB requested")
        try ledger.place("b", request: PodRequest(cpuMilli: 100), on: "n")
        #expect(ledger.fit(PodRequest(cpuMilli: 100), node: "n").failure == .tooManyPods(capacity: 2))
    }

    @Test func poolsTaintsAndCordon() throws {
        var spec = node("n", pool: "train")
        spec.taints = [NodeTaint(key: "gantry.dev/pool", value: "train")]
        var ledger = DeviceLedger(nodes: [spec])
        var r = slices(1, 10)
        #expect(ledger.fit(r, node: "n").failure == .untoleratedTaint(key: "gantry.dev/pool"))
        r.tolerations = ["gantry.dev/pool"]
        #expect(ledger.fit(r, node: "n").assignment != nil)
        r.allowedPools = ["infer"]
        #expect(ledger.fit(r, node: "n").failure == .notInAllowedPool(pool: "train"))
        r.allowedPools = ["infer", "train"]
        #expect(ledger.fit(r, node: "n").assignment != nil)
        try ledger.setSchedulable(node: "n", false)
        #expect(ledger.fit(r, node: "n").failure == .cordoned)
        #expect(ledger.fit(r, node: "missing").failure == .unknownNode("missing"))
    }

    @Test func allocateRefusesWhatDoesNotFit() throws {
        var ledger = DeviceLedger(nodes: [node("n", devices: 2)])
        try ledger.occupy("a", node: "n", positions: [0], cores: 80)
        // Too many cores on device 0, a busy device taken whole, overlapping parts, a device that does not exist.
        #expect(throws: LedgerError.self) { try ledger.occupy("b", node: "n", positions: [0], cores: 30) }
        #expect(throws: LedgerError.self) {
            try ledger.allocate("c", request: whole(1), on: "n", assignment: DeviceAssignment(whole: DeviceMask(bits: 1)))
        }
        #expect(throws: LedgerError.self) {
            try ledger.allocate("d", request: PodRequest(slices: SliceRequest(count: 1, cores: 10), wholeDevices: [.init(count: 1)]),
                                on: "n", assignment: DeviceAssignment(whole: DeviceMask(bits: 2), slices: DeviceMask(bits: 2)))
        }
        #expect(throws: LedgerError.self) { try ledger.occupy("e", node: "n", positions: [5], cores: 10) }
        #expect(throws: LedgerError.duplicateAllocation("a")) { try ledger.occupy("a", node: "n", positions: [1], cores: 10) }
        #expect(throws: LedgerError.unknownNode("x")) { try ledger.occupy("f", node: "x", positions: [1], cores: 10) }
        #expect(ledger.violations().isEmpty)
        #expect(ledger.allocations.count == 1)
    }

    @Test func releaseRestoresAndIsIdempotent() throws {
        var ledger = DeviceLedger(nodes: [node("n", devices: 2)])
        let before = ledger.nodes[0].devices
        let a = try ledger.place("a", request: slices(2, 40, cpu: 3000), on: "n")
        #expect(a.grants.map(\.cores) == [40, 40])
        #expect(ledger.nodes[0].cpuUsed == 3000)
        #expect(ledger.release("a")?.id == "a")
        #expect(ledger.release("a") == nil)
        #expect(ledger.nodes[0].devices == before)
        #expect(ledger.nodes[0].cpuUsed == 0 && ledger.nodes[0].podsUsed == 0)
    }

    @Test func inventoryUpdatesKeepAllocations() throws {
        var ledger = DeviceLedger(nodes: [node("n", devices: 4)])
        try ledger.occupy("a", node: "n", positions: [1], cores: 50)
        try ledger.place("b", request: whole(1), on: "n")
        // The agent reports the devices in a different order and one more device: usage follows device IDs.
        var spec = node("n", devices: 5)
        spec.devices.reverse()
        ledger.upsertNode(spec)
        let n = try #require(ledger.node(named: "n"))
        let pos1 = try #require(n.spec.devices.firstIndex { $0.id == "n-gcu1" })
        let pos0 = try #require(n.spec.devices.firstIndex { $0.id == "n-gcu0" })
        #expect(n.devices[pos1].usedCores == 50)
        #expect(n.devices[pos0].exclusive)
        #expect(n.devices.filter { $0.isIdle }.count == 3)
        // A device holding a share disappears: the allocation stays, nothing crashes or goes negative.
        ledger.upsertNode(node("n", devices: 1))
        #expect(ledger.allocations.count == 2)
        #expect(ledger.violations().isEmpty)
        #expect(ledger.removeNode("n").count == 2)
        #expect(ledger.allocations.isEmpty)
        #expect(ledger.fit(slices(1, 10), node: "n").failure == .unknownNode("n"))
    }

    @Test func recordsFromAnnotations() throws {
        var ledger = DeviceLedger(nodes: [node("n", devices: 2)])
        let grants = try Allocation.parseDevicesAnnotation("n-gcu0:25:12000,n-gcu1:100:48000")
        let a = Allocation(id: "pod", node: "n", request: PodRequest(cpuMilli: 1000), grants: grants)
        try ledger.record(a)
        #expect(ledger.nodes[0].devices[0].usedCores == 25)
        #expect(ledger.nodes[0].devices[1].exclusive)
        #expect(ledger.allocation("pod")?.devicesAnnotation == "n-gcu0:25:12000,n-gcu1:100:48000")
        for bad in ["n-gcu0", "n-gcu0:x:1", ":10:10", "n-gcu0:101:1", "n-gcu0:10:-1"] {
            #expect(throws: LedgerError.self) { try Allocation.parseDevicesAnnotation(bad) }
        }
        // A second pod on the whole-held device is refused unless the caller records facts as they are.
        let clash = Allocation(id: "other", node: "n", request: PodRequest(), grants: [DeviceGrant(deviceID: "n-gcu1", cores: 10, memoryMiB: 1)])
        #expect(throws: LedgerError.self) { try ledger.record(clash) }
        try ledger.record(clash, allowOvercommit: true)
        #expect(ledger.fit(slices(1, 10), node: "n").assignment == DeviceAssignment(slices: DeviceMask(bits: 1)))
    }

    @Test func reservationsExpireAndBind() throws {
        var ledger = DeviceLedger(nodes: [node("n", devices: 2)])
        let r = Reservation(gang: "g", expiresAt: t0.addingTimeInterval(30))
        try ledger.place("g#0", request: whole(1), on: "n", reservation: r)
        try ledger.place("g#1", request: whole(1), on: "n", reservation: r)
        #expect(ledger.fit(whole(1), node: "n").failure != nil)
        let bound = try ledger.bindReservation("g#0", to: "pod-0")
        #expect(bound.reservation == nil && ledger.allocation("g#0") == nil)
        #expect(throws: LedgerError.notAReservation("pod-0")) { try ledger.bindReservation("pod-0", to: "x") }
        #expect(ledger.expireReservations(now: t0.addingTimeInterval(29)).isEmpty)
        #expect(ledger.expireReservations(now: t0.addingTimeInterval(30)).map(\.id) == ["g#1"])
        #expect(ledger.fit(whole(1), node: "n").assignment != nil)
        #expect(ledger.allocation("pod-0") != nil)
    }

    @Test(arguments: [
        (slices(1, 0), "vgcu-cores is 0, must be in 1...100"),
        (slices(1, 101), "vgcu-cores is 101, must be in 1...100"),
        (slices(0, 10), "vgcu is 0, must be in 1...64"),
        (PodRequest(cpuMilli: -1), "cpu request is negative (-1)"),
        (whole(1, models: []), "allowed device models is an empty list, so no device can match"),
        (PodRequest(slices: SliceRequest(count: 40, cores: 10), wholeDevices: [.init(count: 30)]),
         "pod asks for 70 distinct devices, at most 64 supported"),
    ])
    func malformedRequestsAreRejected(_ r: PodRequest, _ message: String) {
        #expect(throws: RequestError.self) { try r.validate() }
        do { try r.validate() } catch { #expect(error.description == message) }
        var ledger = DeviceLedger(nodes: [node("n")])
        #expect(throws: LedgerError.self) { try ledger.place("p", request: r, on: "n") }
        let result = PlacementEngine().evaluate(r, in: ledger, now: t0)
        #expect(result.feasible.isEmpty && result.invalidRequest != nil)
    }

    @Test func explanationCountsDevices() throws {
        var ledger = DeviceLedger(nodes: [node("n", devices: 8)])
        for i in 0..<8 { try ledger.occupy("p\(i)", node: "n", positions: [i], cores: i < 2 ? 50 : 70) }
        let f = try #require(ledger.fit(slices(3, 50), node: "n").failure)
        #expect(f.description == "2/8 devices can take a 50% cores slice; 3 needed (6 too few cores free)")
        #expect(f.resolvable)
    }
}
