// The ledger actor without a cluster: rebuilt from pod annotations exactly, filter reasons per kind (devices,
// thermal, pools, taints, quota), binds that race for the last share, bind twice, rollback, gang reservations
// (all or nothing, TTL, release on deletion), and preemption that takes preemptible work first.

import Foundation
import GantryAPI
import GantryScheduling
import KubeCore
import KubeRuntime
import Synchronization
import Testing

@testable import GantryControllers

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let now = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var date: Date { now.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { now.withLock { $0 += seconds } }
    var function: @Sendable () -> Date { { self.date } }
}

struct ClusterLedgerTests {
    // MARK: rebuild

    @Test func rebuildFromAnnotationsIsExactAndIdempotent() async {
        let ledger = await Fixtures.ledger(nodes: 2)
        let pods = [
            Fixtures.pod("a", vgcu: 2, cores: 25, node: "n0", devices: "n0-gcu-0:25:12288,n0-gcu-1:25:12288"),
            Fixtures.pod("b", gcu: 1, node: "n0", devices: "n0-gcu-3:100:49152"),
            Fixtures.pod("c", vgcu: 1, cores: 50, memoryMiB: 1000, node: "n1", devices: "n1-gcu-2:50:1000"),
            Fixtures.pod("pending", vgcu: 1, cores: 50),
            Fixtures.pod("done", vgcu: 1, cores: 50, node: "n1", devices: "n1-gcu-0:50:24576", phase: "Succeeded"),
        ]
        for p in pods { await ledger.upsertPod(p) }
        let first = await ledger.allocationsByNode()
        // Seen again (an echo, a relist): nothing changes, nothing is counted twice.
        for p in pods { await ledger.upsertPod(p) }
        #expect(await ledger.allocationsByNode() == first)
        #expect(first["n0"]?["uid-default-a"] == "n0-gcu-0:25:12288,n0-gcu-1:25:12288")
        #expect(first["n0"]?["uid-default-b"] == "n0-gcu-3:100:49152")
        #expect(first["n1"]?["uid-default-c"] == "n1-gcu-2:50:1000")
        #expect(first["n1"]?["uid-default-done"] == nil)
        #expect(first.values.reduce(0) { $0 + $1.count } == 3)
        // A ledger fed the same pods in another order, nodes last, holds the same.
        let other = ClusterLedger()
        for p in pods.reversed() { await other.upsertPod(p) }
        for i in 0..<2 {
            await other.upsertNode(Fixtures.node("n\(i)"))
            await other.upsertSlice(Fixtures.slice("n\(i)"))
        }
        #expect(await other.allocationsByNode() == first)
        #expect(await other.bookkeeping.unresolved == 0)
        // Deletion frees the shares.
        await ledger.deletePod(pods[0])
        #expect(await ledger.allocationsByNode()["n0"]?["uid-default-a"] == nil)
        let free = await ledger.filter(PodFacts(Fixtures.pod("x", vgcu: 4, cores: 100)), candidates: ["n0"])
        #expect(free.feasible.isEmpty)  // n0-gcu-3 is still held whole
        let three = await ledger.filter(PodFacts(Fixtures.pod("y", vgcu: 3, cores: 100)), candidates: ["n0"])
        #expect(three.feasible == ["n0"])
    }

    @Test func boundPodWithoutARecordStillHoldsDevices() async {
        let ledger = await Fixtures.ledger(nodes: 1, devices: 2)
        // Bound by someone else (no gantry.dev/devices): the ledger assumes what the engine would give it.
        await ledger.upsertPod(Fixtures.pod("foreign", gcu: 2, node: "n0"))
        #expect(await ledger.bookkeeping.inferred == 1)
        let r = await ledger.filter(PodFacts(Fixtures.pod("p", vgcu: 1, cores: 10)), candidates: ["n0"])
        #expect(r.feasible.isEmpty)
        // Its record arrives later: the record replaces the guess.
        await ledger.upsertPod(Fixtures.pod("foreign", gcu: 2, node: "n0", devices: "n0-gcu-0:100:49152,n0-gcu-1:100:49152", rv: "2"))
        #expect(await ledger.bookkeeping.inferred == 0)
        #expect(await ledger.allocationsByNode()["n0"]?["uid-default-foreign"] == "n0-gcu-0:100:49152,n0-gcu-1:100:49152")
    }

    // MARK: filter reasons

    @Test func filterExplainsEveryRejectedNode() async {
        let clock = TestClock()
        let ledger = ClusterLedger(clock: clock.function)
        await ledger.upsertPool(Fixtures.pool("hot", selector: ["gantry.dev/pool": "hot"], chipSoft: 85, chipHard: 95, chassisHard: 60))
        await ledger.upsertNode(Fixtures.node("cool", pool: "hot"))
        await ledger.upsertSlice(Fixtures.slice("cool", temperatures: [50, 50, 50, 50], chassis: 30, heartbeat: clock.date))
        await ledger.upsertNode(Fixtures.node("chip", pool: "hot"))
        await ledger.upsertSlice(Fixtures.slice("chip", temperatures: [97, 97, 97, 97], chassis: 30, heartbeat: clock.date))
        await ledger.upsertNode(Fixtures.node("chassis", pool: "hot"))
        await ledger.upsertSlice(Fixtures.slice("chassis", temperatures: [50, 50, 50, 50], chassis: 70, heartbeat: clock.date))
        await ledger.upsertNode(Fixtures.node("other", pool: "cold"))
        await ledger.upsertSlice(Fixtures.slice("other", heartbeat: clock.date))
        await ledger.upsertNode(Fixtures.node("tainted", pool: "hot", taints: [["key": "dedicated", "value": "x", "effect": "NoSchedule"]]))
        await ledger.upsertSlice(Fixtures.slice("tainted", temperatures: [50, 50, 50, 50], chassis: 30, heartbeat: clock.date))
        await ledger.upsertNode(Fixtures.node("small", cpu: "8", pool: "hot"))
        await ledger.upsertSlice(Fixtures.slice("small", temperatures: [50, 50, 50, 50], chassis: 30, heartbeat: clock.date))
        await ledger.upsertPod(Fixtures.pod("busy", cpu: "6", node: "small"))

        let pod2 = Fixtures.pod("p", vgcu: 1, cpu: "4", annotations: ["gantry.dev/pools": "hot"])
        let r = await ledger.filter(PodFacts(pod2), candidates: ["cool", "chip", "chassis", "other", "tainted", "small"])
        #expect(r.feasible == ["cool"])
        #expect(r.unresolvable["chip"]?.hasPrefix("thermal: device chip-gcu-") == true)
        #expect(r.unresolvable["chip"]?.contains("97 °C, at or over the hard limit of 95 °C") == true)
        #expect(r.unresolvable["chassis"] == "thermal: chassis at 70 °C, at or over the hard limit of 60 °C")
        #expect(r.unresolvable["other"] == "node is in pool cold, not one the pod may use")
        #expect(r.unresolvable["tainted"] == "node has taint dedicated the pod does not tolerate")
        #expect(r.failed["small"] == "insufficient cpu: 2000m free, 4000m requested")
        #expect(r.kinds == ["thermal": 2, "pool": 1, "taint": 1, "cpu": 1])

        // The toleration makes the tainted node fit; stale temperatures are unknown, not hot.
        var tolerant = pod2
        tolerant.spec?.tolerations = [Toleration(key: "dedicated", operator: .exists)]
        #expect(await ledger.filter(PodFacts(tolerant), candidates: ["tainted"]).feasible == ["tainted"])
        clock.advance(600)
        #expect(await ledger.filter(PodFacts(pod2), candidates: ["chip"]).feasible == ["chip"])
    }

    @Test func hotDevicesAreSkippedInsideANode() async {
        let clock = TestClock()
        let ledger = ClusterLedger(clock: clock.function)
        await ledger.upsertPool(Fixtures.pool("p", selector: ["gantry.dev/pool": "p"], chipSoft: 80, chipHard: 90))
        await ledger.upsertNode(Fixtures.node("n0", pool: "p"))
        await ledger.upsertSlice(Fixtures.slice("n0", temperatures: [95, 40, 95, 40], heartbeat: clock.date))
        let two = PodFacts(Fixtures.pod("two", gcu: 2))
        #expect(await ledger.filter(two, candidates: ["n0"]).feasible == ["n0"])
        let ticket = try? await ledger.reserve(two, node: "n0")
        #expect(ticket?.devices == "n0-gcu-1:100:49152,n0-gcu-3:100:49152")
        // The cool devices are taken and the hot ones are over the limit: heat is the reason, though evicting the
        // pod on a cool device would help (so kube-scheduler may still try preemption there).
        let three = await ledger.filter(PodFacts(Fixtures.pod("three", gcu: 1)), candidates: ["n0"])
        #expect(three.failed["n0"]?.hasPrefix("thermal: device n0-gcu-") == true)
    }

    // MARK: bind

    @Test func bindTwiceIsAClearErrorNotASecondAllocation() async throws {
        let ledger = await Fixtures.ledger(nodes: 2)
        let pod = PodFacts(Fixtures.pod("p", vgcu: 1, cores: 50))
        let ticket = try await ledger.reserve(pod, node: "n0")
        await #expect(throws: BindError.bindInFlight(pod: "default/p", node: "n0")) { try await ledger.reserve(pod, node: "n1") }
        await ledger.commit(ticket)
        await #expect(throws: BindError.alreadyBound(pod: "default/p", node: "n0")) { try await ledger.reserve(pod, node: "n0") }
        var bound = pod
        bound.nodeName = "n0"
        await #expect(throws: BindError.alreadyBound(pod: "default/p", node: "n0")) { try await ledger.reserve(bound, node: "n1") }
        #expect(await ledger.bookkeeping.allocations == 1)
    }

    @Test func rollbackGivesEverythingBack() async throws {
        let ledger = await Fixtures.ledger(nodes: 1, devices: 1)
        let a = PodFacts(Fixtures.pod("a", gcu: 1))
        let ticket = try await ledger.reserve(a, node: "n0")
        // While a holds the device, b cannot take it.
        await #expect(throws: BindError.self) { try await ledger.reserve(PodFacts(Fixtures.pod("b", gcu: 1)), node: "n0") }
        await ledger.rollback(ticket)
        let counts = await ledger.bookkeeping
        #expect(counts.allocations == 0 && counts.inFlight == 0)
        _ = try await ledger.reserve(PodFacts(Fixtures.pod("b", gcu: 1)), node: "n0")
    }

    @Test func concurrentReservesNeverShareADevice() async {
        // 2 nodes × 4 devices × 4 slices = 32 slices of 25 %; 100 pods race for them in parallel.
        let ledger = await Fixtures.ledger(nodes: 2, devices: 4, maxSlices: 4)
        let wins = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<100 {
                group.addTask {
                    let pod = PodFacts(Fixtures.pod("p\(i)", vgcu: 1, cores: 25))
                    guard let t = try? await ledger.reserve(pod, node: "n\(i % 2)") else { return false }
                    if i % 7 == 0 {
                        await ledger.rollback(t)
                        return false
                    }
                    await ledger.commit(t)
                    return true
                }
            }
            var n = 0
            for await w in group where w { n += 1 }
            return n
        }
        let usage = Fixtures.usage(await ledger.allocationsByNode())
        #expect(wins <= 32)
        #expect(usage.values.reduce(0) { $0 + $1.slices } == wins)
        for (device, u) in usage {
            #expect(u.cores <= 100, "\(device) over-allocated: \(u.cores)%")
            #expect(u.slices <= 4, "\(device) has \(u.slices) slices")
        }
        #expect(await ledger.bookkeeping.inFlight == 0)
    }

    // MARK: quota

    @Test func quotaWithoutHeadroomIsFilteredWithItsNumbers() async throws {
        let ledger = await Fixtures.ledger(nodes: 2)
        var q = Quota(name: "team-a", spec: QuotaSpec(resources: [ResourceName.vgcu: QuotaResource(limit: Quantity(2))]))
        q.metadata.resourceVersion = "1"
        await ledger.upsertQuota(q)
        let labels = ["gantry.dev/quota": "team-a"]
        await ledger.upsertPod(Fixtures.pod("a", vgcu: 1, cores: 50, node: "n0", devices: "n0-gcu-0:50:24576", labels: labels))
        let b = PodFacts(Fixtures.pod("b", vgcu: 1, cores: 50, labels: labels))
        #expect(await ledger.filter(b, candidates: ["n0", "n1"]).feasible == ["n0", "n1"])
        let t = try await ledger.reserve(b, node: "n1")
        await ledger.commit(t)
        let c = await ledger.filter(PodFacts(Fixtures.pod("c", vgcu: 1, cores: 50, labels: labels)), candidates: ["n0", "n1"])
        #expect(c.feasible.isEmpty)
        #expect(c.unresolvable["n0"] == "quota team-a: gantry.dev/vgcu 2/2 used, pod needs 1")
        // The parent's limit binds the child too.
        var parent = Quota(name: "org", spec: QuotaSpec(resources: [ResourceName.enflameGCU: QuotaResource(limit: Quantity(1))]))
        parent.metadata.resourceVersion = "1"
        await ledger.upsertQuota(parent)
        var child = Quota(name: "team-b", spec: QuotaSpec(parent: "org"))
        child.metadata.resourceVersion = "1"
        await ledger.upsertQuota(child)
        await ledger.upsertPod(Fixtures.pod("d", gcu: 1, node: "n0", devices: "n0-gcu-3:100:49152", labels: ["gantry.dev/quota": "org"]))
        let e = await ledger.filter(PodFacts(Fixtures.pod("e", gcu: 1, labels: ["gantry.dev/quota": "team-b"])), candidates: ["n1"])
        #expect(e.unresolvable["n1"] == "quota org: enflame.com/gcu 1/1 used, pod needs 1")
        let missing = await ledger.filter(PodFacts(Fixtures.pod("f", gcu: 1, labels: ["gantry.dev/quota": "nope"])), candidates: ["n1"])
        #expect(missing.unresolvable["n1"] == "quota nope does not exist")
    }

    @Test func quotaAboveItsFairShareWaitsWhileAnotherWaitsBelowIt() async throws {
        let ledger = await Fixtures.ledger(nodes: 2)  // 8 devices
        for name in ["team-a", "team-b"] {
            var q = Quota(name: name, spec: QuotaSpec(weight: 1))
            q.metadata.resourceVersion = "1"
            await ledger.upsertQuota(q)
        }
        let a = ["gantry.dev/quota": "team-a"], b = ["gantry.dev/quota": "team-b"]
        for i in 0..<6 {
            await ledger.upsertPod(Fixtures.pod("a-\(i)", gcu: 1, node: "n\(i / 4)", devices: "n\(i / 4)-gcu-\(i % 4):100:49152", labels: a))
        }
        let next = Fixtures.pod("a-next", gcu: 1, labels: a)
        await ledger.upsertPod(next)
        // Nobody else waits: team-a may borrow what is idle.
        #expect(await ledger.filter(PodFacts(next), candidates: ["n1"]).feasible == ["n1"])
        // team-b has four pods waiting: the fair split of 8 devices is 4 each, and team-a already holds 6.
        for i in 0..<4 { await ledger.upsertPod(Fixtures.pod("b-\(i)", gcu: 1, labels: b)) }
        let gated = await ledger.filter(PodFacts(next), candidates: ["n1"])
        #expect(gated.unresolvable["n1"] == "quota team-a would be at 175% of its fair share while quota team-b waits below its own")
        // team-b's own pods are not held back.
        #expect(await ledger.filter(PodFacts(Fixtures.pod("b-0", gcu: 1, labels: b)), candidates: ["n1"]).feasible == ["n1"])
        // Once team-b's pods are gone, team-a may grow again.
        for i in 0..<4 { await ledger.deletePod(Fixtures.pod("b-\(i)", gcu: 1, labels: b)) }
        #expect(await ledger.filter(PodFacts(next), candidates: ["n1"]).feasible == ["n1"])
    }

    // MARK: gangs

    @Test func gangIsReservedWholeOrNotAtAll() async throws {
        let clock = TestClock()
        let store = Store<CachedPod>(indexes: [GangIndex.index])
        let ledger = ClusterLedger(configuration: .init(reservationTTL: 30), podStore: store, clock: clock.function)
        for i in 0..<2 {
            await ledger.upsertNode(Fixtures.node("n\(i)"))
            await ledger.upsertSlice(Fixtures.slice("n\(i)"))
        }
        // Two gangs of three 4-device members: 8 devices fit only two such members... one gang needs 12.
        func members(_ gang: String) -> [Pod] { (0..<3).map { Fixtures.gangPod("\(gang)-\($0)", gang: gang, min: 3, gcu: 4) } }
        for p in members("big") + members("other") { store.apply(.applied(CachedPod(p))) }
        let big0 = PodFacts(members("big")[0])
        let r = await ledger.filter(big0, candidates: ["n0", "n1"])
        #expect(r.feasible.isEmpty)
        #expect(r.unresolvable["n0"]?.hasPrefix("gang default/big needs 3 members placed together; only 2 fit now") == true,
                "\(r.unresolvable)")
        // Nothing was held for the failed plan: a smaller gang still fits.
        #expect(await ledger.bookkeeping.reservations == 0)
        let small = (0..<2).map { Fixtures.gangPod("small-\($0)", gang: "small", min: 2, gcu: 3) }
        for p in small { store.apply(.applied(CachedPod(p))) }
        let s0 = await ledger.filter(PodFacts(small[0]), candidates: ["n0", "n1"])
        #expect(Set(s0.feasible) == ["n0", "n1"])
        #expect(await ledger.bookkeeping.reservations == 2)
        // Reserved capacity is not given to anybody else: one device per node is left.
        let outsider = await ledger.filter(PodFacts(Fixtures.pod("outsider", gcu: 2)), candidates: ["n0", "n1"])
        #expect(outsider.feasible.isEmpty)
        // Members consume their slots at bind; after both, no reservation is left.
        let t0 = try await ledger.reserve(PodFacts(small[0]), node: "n0")
        await ledger.commit(t0)
        let s1 = await ledger.filter(PodFacts(small[1]), candidates: ["n0", "n1"])
        #expect(s1.feasible == ["n1"])
        #expect(s1.unresolvable["n0"]?.contains("small") == true)
        let t1 = try await ledger.reserve(PodFacts(small[1]), node: "n1")
        await ledger.commit(t1)
        #expect(await ledger.bookkeeping.reservations == 0)
        #expect(await ledger.gangReservations.isEmpty)
    }

    @Test func gangReservationsExpireAndAreReleasedWithTheGang() async throws {
        let clock = TestClock()
        let store = Store<CachedPod>(indexes: [GangIndex.index])
        let ledger = ClusterLedger(configuration: .init(reservationTTL: 30), podStore: store, clock: clock.function)
        await ledger.upsertNode(Fixtures.node("n0"))
        await ledger.upsertSlice(Fixtures.slice("n0"))
        let gang = (0..<2).map { Fixtures.gangPod("g-\($0)", gang: "g", min: 2, gcu: 2) }
        for p in gang { store.apply(.applied(CachedPod(p))) }
        _ = await ledger.filter(PodFacts(gang[0]), candidates: ["n0"])
        #expect(await ledger.bookkeeping.reservations == 2)
        clock.advance(31)
        await ledger.expireReservations(now: clock.date)
        #expect(await ledger.bookkeeping.reservations == 0)
        // Planned again, then the gang is deleted: its reservations go at once.
        _ = await ledger.filter(PodFacts(gang[0]), candidates: ["n0"])
        #expect(await ledger.bookkeeping.reservations == 2)
        store.apply(.deleted(CachedPod(gang[0])))
        await ledger.deletePod(gang[0])
        #expect(await ledger.bookkeeping.reservations == 2)  // one member remains
        store.apply(.deleted(CachedPod(gang[1])))
        await ledger.deletePod(gang[1])
        #expect(await ledger.bookkeeping.reservations == 0)
        #expect(await ledger.filter(PodFacts(Fixtures.pod("x", gcu: 4)), candidates: ["n0"]).feasible == ["n0"])
    }

    @Test func gangWaitsForItsMembers() async {
        let store = Store<CachedPod>(indexes: [GangIndex.index])
        let ledger = ClusterLedger(podStore: store)
        await ledger.upsertNode(Fixtures.node("n0"))
        await ledger.upsertSlice(Fixtures.slice("n0"))
        let first = Fixtures.gangPod("g-0", gang: "g", min: 3, vgcu: 1, cores: 50)
        store.apply(.applied(CachedPod(first)))
        let r = await ledger.filter(PodFacts(first), candidates: ["n0"])
        #expect(r.unresolvable["n0"] == "gang default/g waits for its members: 1 of minMember 3 exist")
        #expect(await ledger.bookkeeping.reservations == 0)
    }

    // MARK: preemption

    @Test func preemptionTakesPreemptibleWorkFirst() async {
        let ledger = await Fixtures.ledger(nodes: 1, devices: 2)
        // Two whole devices in use: one by a preemptible low-priority pod, one by a non-preemptible lower one.
        let keep = Fixtures.pod("keep", gcu: 1, node: "n0", devices: "n0-gcu-0:100:49152", priority: 1)
        let cheap = Fixtures.pod("cheap", gcu: 1, node: "n0", devices: "n0-gcu-1:100:49152",
                                 labels: ["gantry.dev/preemptible": "true"], priority: 5)
        await ledger.upsertPod(keep)
        await ledger.upsertPod(cheap)
        let urgent = PodFacts(Fixtures.pod("urgent", gcu: 1, priority: 100))
        let victims = await ledger.preempt(urgent, candidates: ["n0": MetaVictims(podUIDs: [])])
        #expect(victims == ["n0": MetaVictims(podUIDs: ["uid-default-cheap"])])
        // Two devices needed: both go; never a higher-priority pod.
        let big = PodFacts(Fixtures.pod("big", gcu: 2, priority: 100))
        #expect(Set(await ledger.preempt(big, candidates: ["n0": MetaVictims(podUIDs: [])])["n0"]?.podUIDs ?? [])
            == ["uid-default-keep", "uid-default-cheap"])
        // A preemptor of priority 3 may evict only `keep` (priority 1); one of priority 1 nobody.
        let low = PodFacts(Fixtures.pod("low", gcu: 1, priority: 3))
        #expect(await ledger.preempt(low, candidates: ["n0": MetaVictims(podUIDs: [])]) == ["n0": MetaVictims(podUIDs: ["uid-default-keep"])])
        let lowest = PodFacts(Fixtures.pod("lowest", gcu: 1, priority: 1))
        #expect(await ledger.preempt(lowest, candidates: ["n0": MetaVictims(podUIDs: [])]) == [:])
    }

    @Test func preemptionNeverCutsAGangBelowItsMinimum() async {
        let ledger = await Fixtures.ledger(nodes: 2, devices: 1)
        // A gang of two (min 2) across both nodes: evicting one member would break it.
        await ledger.upsertPod(Fixtures.gangPod("g-0", gang: "g", min: 2, gcu: 1, node: "n0", devices: "n0-gcu-0:100:49152",
                                                priority: 0, preemptible: true))
        await ledger.upsertPod(Fixtures.gangPod("g-1", gang: "g", min: 2, gcu: 1, node: "n1", devices: "n1-gcu-0:100:49152",
                                                priority: 0, preemptible: true))
        let urgent = PodFacts(Fixtures.pod("urgent", gcu: 1, priority: 100))
        #expect(await ledger.preempt(urgent, candidates: ["n0": MetaVictims(podUIDs: []), "n1": MetaVictims(podUIDs: [])]) == [:])
    }
}
