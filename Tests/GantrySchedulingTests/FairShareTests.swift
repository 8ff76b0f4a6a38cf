// Water-filling examples worked by hand, the hierarchical split, DRF with fractional devices, queue order
// and the admission check (quota headroom with borrowing, and the whole gang fitting now).

import Foundation
import Testing
@testable import GantryScheduling

typealias Claim = FairShare.Claim

struct FairShareTests {
    func close(_ a: [Double], _ b: [Double]) -> Bool { a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) < 1e-9 } }

    @Test(arguments: [
        // Equal weights split evenly.
        (10.0, [Claim(weight: 1), Claim(weight: 1)], [5.0, 5.0]),
        // Weights 3:1.
        (12.0, [Claim(weight: 3), Claim(weight: 1)], [9.0, 3.0]),
        // A limit (or demand) of 2 caps the first; the rest flows to the other.
        (10.0, [Claim(weight: 1, ceiling: 2), Claim(weight: 1)], [2.0, 8.0]),
        // Guaranteed 6 comes first; the second gets what is left, as the level (4) is below 6.
        (10.0, [Claim(weight: 1, floor: 6), Claim(weight: 1)], [6.0, 4.0]),
        // A guarantee below the level is no extra: both reach 5.
        (10.0, [Claim(weight: 1, floor: 3), Claim(weight: 1)], [5.0, 5.0]),
        // Guarantees beyond capacity are scaled down in proportion.
        (10.0, [Claim(weight: 1, floor: 8), Claim(weight: 1, floor: 8)], [5.0, 5.0]),
        // Zero demand gets nothing; weights share the rest: 3 is capped, 7 goes to the weight-2 claim.
        (10.0, [Claim(weight: 1, ceiling: 0), Claim(weight: 1, ceiling: 3), Claim(weight: 2)], [0.0, 3.0, 7.0]),
        // More than enough: everyone to its ceiling, the surplus stays unassigned.
        (100.0, [Claim(weight: 1, ceiling: 10), Claim(weight: 5, ceiling: 20)], [10.0, 20.0]),
        // All at once: level 3 gives 3, min(4, 6) and max(5, 3).
        (12.0, [Claim(weight: 1, floor: 1), Claim(weight: 2, ceiling: 4), Claim(weight: 1, floor: 5, ceiling: 6)], [3.0, 4.0, 5.0]),
        // Nothing to share.
        (0.0, [Claim(weight: 1), Claim(weight: 1, floor: 2)], [0.0, 0.0]),
    ])
    func waterFillingByHand(_ amount: Double, _ claims: [Claim], _ expected: [Double]) {
        let got = FairShare.waterFill(amount, claims: claims)
        #expect(close(got, expected), "\(got)")
    }

    @Test func waterFillingSurvivesNonsense() {
        let got = FairShare.waterFill(.nan, claims: [Claim(weight: -1, floor: .infinity, ceiling: .nan), Claim(weight: .infinity)])
        #expect(got.allSatisfy { $0.isFinite && $0 >= 0 })
        #expect(FairShare.waterFill(5, claims: []).isEmpty)
    }

    static let devices = ResourceVector.devices

    @Test func hierarchicalShares() throws {
        // org (w1) has team1 (w1) and team2 (w3); ops (w1) is another root. 16 devices; demands 10, 10, 2.
        let d = Self.devices
        let tree = try QuotaTree([
            QueueSpec(name: "org"), QueueSpec(name: "ops", pending: ResourceVector([d: 2])),
            QueueSpec(name: "team1", parent: "org", pending: ResourceVector([d: 10])),
            QueueSpec(name: "team2", parent: "org", weight: 3, pending: ResourceVector([d: 10])),
        ])
        let fs = FairShare(tree: tree, capacity: ResourceVector([d: 16]))
        // Roots: ops is capped at its demand 2, org takes 14. In org: team1 = λ, team2 = min(10, 3λ): 4 and 10.
        #expect(fs.share(of: "ops")[d] == 2)
        #expect(fs.share(of: "org")[d] == 14)
        #expect(abs(fs.share(of: "team1")[d] - 4) < 1e-9)
        #expect(fs.share(of: "team2")[d] == 10)
        #expect(fs.demands["org"]?[d] == 20)
    }

    @Test func treeValidation() {
        #expect(throws: QuotaTreeError.duplicate("a")) { try QuotaTree([QueueSpec(name: "a"), QueueSpec(name: "a")]) }
        #expect(throws: QuotaTreeError.unknownParent(queue: "a", parent: "x")) { try QuotaTree([QueueSpec(name: "a", parent: "x")]) }
        #expect(throws: QuotaTreeError.self) { try QuotaTree([QueueSpec(name: "a", parent: "b"), QueueSpec(name: "b", parent: "a")]) }
        #expect(QueueSpec(name: "w", weight: 0).weight == 1)
        #expect(QueueSpec(name: "w", weight: 1e9).weight == 65535)
    }

    @Test func dominantShareCountsFractionalDevices() {
        let capacity = ResourceVector([ResourceVector.cpu: 100_000, Self.devices: 10])
        // Four 25 % vGCUs are one device unit (10 % of devices); 30 cores are 30 % of CPU: CPU dominates.
        let a = (0..<4).reduce(ResourceVector.zero) { acc, _ in acc + ResourceVector(slices(1, 25, cpu: 7500, memory: 0)) }
        #expect(a[Self.devices] == 1)
        let da = FairShare.dominantShare(a, of: capacity)
        #expect(abs(da.share - 0.3) < 1e-12 && da.resource == ResourceVector.cpu)
        // Two whole devices and a half slice are 2.5 units: 25 % of devices beats 5 % of CPU.
        let b = ResourceVector(whole(2, cpu: 4000, memory: 0)) + ResourceVector(slices(1, 50, cpu: 1000, memory: 0))
        let db = FairShare.dominantShare(b, of: capacity)
        #expect(abs(db.share - 0.25) < 1e-12 && db.resource == Self.devices)
        // Using a resource the cluster does not have counts as all of it.
        #expect(FairShare.dominantShare(ResourceVector(["gpu/x": 1]), of: capacity).share == 1)
        #expect(FairShare.dominantShare(.zero, of: capacity).share == 0)
        // Per-vendor device units are kept too.
        #expect(ResourceVector(PodRequest(slices: SliceRequest(count: 2, cores: 30, vendor: "enflame")))["devices/enflame"] == 0.6)
    }

    @Test func queueOrderIsPriorityThenShareThenAgeThenName() throws {
        let d = Self.devices
        let tree = try QuotaTree([
            QueueSpec(name: "hi", priority: 10, createdAt: t0.addingTimeInterval(50), allocated: ResourceVector([d: 8]),
                      pending: ResourceVector([d: 8])),
            QueueSpec(name: "b-low-use", createdAt: t0.addingTimeInterval(20), allocated: ResourceVector([d: 1]), pending: ResourceVector([d: 8])),
            QueueSpec(name: "a-old", createdAt: t0, allocated: ResourceVector([d: 4]), pending: ResourceVector([d: 8])),
            QueueSpec(name: "c-new", createdAt: t0.addingTimeInterval(10), allocated: ResourceVector([d: 4]), pending: ResourceVector([d: 8])),
            QueueSpec(name: "a-twin", createdAt: t0.addingTimeInterval(10), allocated: ResourceVector([d: 4]), pending: ResourceVector([d: 8])),
            QueueSpec(name: "shut", open: false, pending: ResourceVector([d: 8])),
        ])
        let fs = FairShare(tree: tree, capacity: ResourceVector([d: 40]))
        let order = QueueOrder.queues(tree, fairShare: fs).map(\.queue)
        #expect(order == ["hi", "b-low-use", "a-old", "a-twin", "c-new"])
        let jobs = [QueuedJob(name: "j2", queue: "a-old", createdAt: t0), QueuedJob(name: "j1", queue: "a-old", createdAt: t0),
                    QueuedJob(name: "j3", queue: "a-old", priority: 1, createdAt: t0.addingTimeInterval(99)),
                    QueuedJob(name: "h1", queue: "hi", createdAt: t0)]
        #expect(QueueOrder.jobs(jobs).map(\.name) == ["j3", "h1", "j1", "j2"])
        #expect(QueueOrder.dispatch(jobs, tree: tree, fairShare: fs).map(\.name) == ["h1", "j3", "j1", "j2"])
    }

    // MARK: Admission

    func admissionTree(limit: Double = 100, canBorrow: Bool = true, open: Bool = true, siblingGuarantee: Double = 0) throws -> QuotaTree {
        let d = Self.devices
        return try QuotaTree([
            QueueSpec(name: "org", deserved: ResourceVector([d: 6]), limit: ResourceVector([d: 6])),
            QueueSpec(name: "team", parent: "org", deserved: ResourceVector([d: 2]), limit: ResourceVector([d: limit]),
                      open: open, canBorrow: canBorrow, allocated: ResourceVector([d: 1])),
            QueueSpec(name: "other", parent: "org", guaranteed: ResourceVector([d: siblingGuarantee]), deserved: ResourceVector([d: 4])),
        ])
    }

    func request(devices n: Int, min: Int? = nil) -> AdmissionRequest {
        AdmissionRequest(job: "ns/job", queue: "team", gang: GangSpec(
            gang: "ns/job", members: (0..<n).map { GangMember(name: "m\($0)", request: whole(1, cpu: 0, memory: 0)) },
            minMember: min ?? n))
    }

    @Test func admitsWithinDeservedAndBorrowsIdleCapacity() throws {
        let tree = try admissionTree()
        let fs = FairShare(tree: tree, capacity: ResourceVector([Self.devices: 8]))
        let ledger = DeviceLedger(nodes: [node("a", devices: 4), node("b", devices: 4)])
        let check = AdmissionCheck()
        // 1 held + 1 = 2 = deserved: no borrowing.
        guard case .admitted(_, let none) = check.evaluate(request(devices: 1), tree: tree, fairShare: fs, ledger: ledger, now: t0) else {
            Issue.record("within deserved must be admitted")
            return
        }
        #expect(none.isEmpty)
        // 1 + 3 = 4 > 2: team borrows from org (which has 6 idle).
        guard case .admitted(let plan, let borrowing) = check.evaluate(request(devices: 3), tree: tree, fairShare: fs, ledger: ledger, now: t0) else {
            Issue.record("borrowing idle capacity must be admitted")
            return
        }
        #expect(borrowing == ["team"] && plan.placements.count == 3)
    }

    @Test func rejectsWithTheReason() throws {
        let fs = { (t: QuotaTree) in FairShare(tree: t, capacity: ResourceVector([Self.devices: 8])) }
        let ledger = DeviceLedger(nodes: [node("a", devices: 4), node("b", devices: 4)])
        let check = AdmissionCheck()
        func reason(_ tree: QuotaTree, _ r: AdmissionRequest, on l: DeviceLedger? = nil) -> AdmissionRejection? {
            if case .rejected(let why) = check.evaluate(r, tree: tree, fairShare: fs(tree), ledger: l ?? ledger, now: t0) { return why }
            return nil
        }
        #expect(reason(try admissionTree(limit: 3), request(devices: 3))
                == .overLimit(queue: "team", resource: Self.devices, allocated: 1, requested: 3, limit: 3))
        // The parent's limit binds too: org holds 1 and may hold 6.
        #expect(reason(try admissionTree(), request(devices: 6)) == .overLimit(queue: "org", resource: Self.devices, allocated: 1, requested: 6, limit: 6))
        #expect(reason(try admissionTree(canBorrow: false), request(devices: 3))
                == .borrowingDisabled(queue: "team", resource: Self.devices, over: 2))
        #expect(reason(try admissionTree(open: false), request(devices: 1)) == .queueClosed("team"))
        #expect(reason(try admissionTree(), AdmissionRequest(job: "j", queue: "nope", gang: request(devices: 1).gang)) == .unknownQueue("nope"))
        #expect(reason(try admissionTree(), AdmissionRequest(job: "j", queue: "org", gang: request(devices: 1).gang)) == .notALeaf("org"))
        // The sibling's unused guarantee of 4 is not lent: org (entitled to 6) cannot cover 1 held + 3 + 4
        // itself and borrows from the cluster of 8, which just fits it; one more device does not.
        #expect(reason(try admissionTree(siblingGuarantee: 4), request(devices: 3)) == nil)
        #expect(reason(try admissionTree(siblingGuarantee: 4), request(devices: 4))
                == .noRoomToBorrow(queue: "", resource: Self.devices, short: 1))
        // Quota is fine but the devices are not free: no admission, and the placement says why.
        var busy = ledger
        for n in ["a", "b"] { try busy.place("\(n)-hog", request: whole(3), on: n) }
        guard case .placement(let p)? = reason(try admissionTree(), request(devices: 3), on: busy) else {
            Issue.record("must be rejected for placement")
            return
        }
        #expect(p.placeable == 2 && p.needed == 3)
    }
}
