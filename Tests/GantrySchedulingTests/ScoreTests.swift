// Score policies: each one monotone in what it measures, clamped to 0...10, combined by pool weights, and
// ties resolved by node name; the learned demand mix behind the fragmentation score.

import Foundation
import Testing
@testable import GantryScheduling

struct ScoreTests {
    /// Scores of the given policy alone for `request` on each node, by node name.
    func scores(_ policy: ScorePolicy, _ request: PodRequest, _ ledger: DeviceLedger,
                demand: ShapeDistribution = ShapeDistribution()) -> [String: Double] {
        let engine = PlacementEngine(defaultPolicy: PoolPolicy(profile: ScoringProfile([policy: 1])), demand: demand)
        return Dictionary(uniqueKeysWithValues: engine.evaluate(request, in: ledger, now: t0).feasible.map { ($0.node, $0.score) })
    }

    /// Nodes a..e with 0, 1, 2, 3, 4 of their 8 devices held whole and CPU used in step.
    func fillingLedger() throws -> DeviceLedger {
        var ledger = DeviceLedger(nodes: ["a", "b", "c", "d", "e"].map { node($0) })
        for (k, name) in ["a", "b", "c", "d", "e"].enumerated() where k > 0 {
            try ledger.place("\(name)-fill", request: whole(k, cpu: Int64(k) * 8000, memory: Int64(k) * 32 * GiB), on: name)
        }
        return ledger
    }

    @Test func nodeBinpackAndSpreadAreMonotoneInFill() throws {
        let ledger = try fillingLedger()
        let pack = scores(.nodeBinpack, whole(1, cpu: 4000), ledger)
        let spread = scores(.nodeSpread, whole(1, cpu: 4000), ledger)
        let names = ["a", "b", "c", "d", "e"]
        for (x, y) in zip(names, names.dropFirst()) {
            #expect(pack[x]! < pack[y]!)
            #expect(spread[x]! > spread[y]!)
        }
        for n in names { #expect(abs(pack[n]! + spread[n]! - 10) < 1e-9) }
        #expect(pack.values.allSatisfy { (0...10).contains($0) })
    }

    @Test func deviceBinpackPrefersTheTightestRemainder() throws {
        var ledger = DeviceLedger(nodes: ["a", "b", "c"].map { node($0, devices: 1) })
        try ledger.occupy("b-used", node: "b", positions: [0], cores: 30)
        try ledger.occupy("c-used", node: "c", positions: [0], cores: 60)
        let pack = scores(.deviceBinpack, slices(1, 40), ledger)
        let spread = scores(.deviceSpread, slices(1, 40), ledger)
        #expect(pack["a"]! < pack["b"]! && pack["b"]! < pack["c"]!)
        #expect(spread["a"]! > spread["b"]! && spread["b"]! > spread["c"]!)
        #expect(pack["c"] == 10)
        // A pod without devices has no device preference.
        #expect(Set(scores(.deviceBinpack, PodRequest(cpuMilli: 1000), ledger).values) == [5])
    }

    func mix(_ pods: [PodRequest]) -> ShapeDistribution {
        var d = ShapeDistribution()
        for p in pods { d.observe(p) }
        return d
    }

    @Test func learnedMixGivesRatiosAndDeadShares() {
        let d = mix([slices(1, 80, cpu: 4000, memory: 8 * GiB), slices(1, 50, cpu: 2000, memory: 4 * GiB),
                     whole(2, cpu: 20_000, memory: 32 * GiB), PodRequest(cpuMilli: 30_000)])
        // Device pods: 0.8 + 0.5 + 2 = 3.3 units bringing 26,000m CPU; the CPU-only pod does not count.
        #expect(abs(d.cpuMilliPerDevice! - 26_000 / 3.3) < 1e-6)
        #expect(abs(d.memoryBytesPerDevice! - Double(44 * GiB) / 3.3) < 1)
        #expect(d.probabilityNeedsMore(than: 40) == 1)
        #expect(d.probabilityNeedsMore(than: 60) == 0.5)
        #expect(d.probabilityNeedsMore(than: 80) == 0)
        #expect(d.deadShare(freeCores: 60) == 30)
        #expect(d.deadShare(freeCores: 100) == 0)
        #expect(d.deadShare(freeCores: 0) == 0)
        #expect(ShapeDistribution().cpuMilliPerDevice == nil)
        #expect(d.commonShapes(coverage: 1).count == 4)
    }

    @Test func forgettingFollowsTheHalfLife() {
        var d = ShapeDistribution(halfLife: 1)
        d.observe(slices(1, 80))
        d.observe(slices(1, 20))
        // The older 80 % slice now weighs half of the newer 20 % one.
        #expect(abs(d.probabilityNeedsMore(than: 50) - 1.0 / 3.0) < 1e-9)
    }

    @Test func fragmentationPenalisesStrandingDevicesForLackOfCPU() throws {
        // Device pods bring 8 cores per device. Node "lean" has 2 idle devices and 12 cores; "rich" 2 and 64.
        let demand = mix(Array(repeating: whole(1, cpu: 8000, memory: 0), count: 10))
        let ledger = DeviceLedger(nodes: [node("lean", cpu: 12_000, devices: 2), node("rich", cpu: 64_000, devices: 2)])
        // "lean" already strands half a device (12 cores feed 1.5 devices). A CPU-heavy pod there leaves 1
        // device with 2 cores: 0.75 stranded, a growth of 0.25.
        let heavy = scores(.fragmentation, whole(1, cpu: 10_000, memory: 0), ledger, demand: demand)
        #expect(heavy["rich"]! == 5)
        #expect(abs(heavy["lean"]! - 5 * (1 - tanh(0.25))) < 1e-9)
        // A CPU-only pod: stranding grows with the CPU it takes from a node with idle devices.
        let s1 = scores(.fragmentation, PodRequest(cpuMilli: 6000), ledger, demand: demand)
        let s2 = scores(.fragmentation, PodRequest(cpuMilli: 10_000), ledger, demand: demand)
        #expect(s2["lean"]! < s1["lean"]! && s1["lean"]! < 5)
        #expect(s1["rich"] == 5 && s2["rich"] == 5)
    }

    @Test func fragmentationRewardsFeedingStarvedDevices() throws {
        let demand = mix(Array(repeating: whole(1, cpu: 8000, memory: 0), count: 10))
        var ledger = DeviceLedger(nodes: [node("starved", cpu: 20_000, devices: 4), node("fed", cpu: 64_000, devices: 4)])
        try ledger.place("hog", request: PodRequest(cpuMilli: 12_000), on: "starved")
        // "starved": 4 idle devices, 8 cores: 3 devices stranded. A CPU-light device pod shrinks that.
        let light = scores(.fragmentation, whole(1, cpu: 1000, memory: 0), ledger, demand: demand)
        #expect(light["starved"]! > 5 && light["fed"]! == 5)
        // Among stranding placements, more stranding scores lower (monotone).
        let growth = [0.0, 0.25, 0.5, 1, 2, 4].map { LedgerNode.fragmentationScore(strandedGrowth: $0) }
        #expect(zip(growth, growth.dropFirst()).allSatisfy { $0 > $1 })
        #expect(LedgerNode.fragmentationScore(strandedGrowth: .infinity) == 0)
        #expect(LedgerNode.fragmentationScore(strandedGrowth: -.infinity) == 10)
    }

    @Test func fragmentationKeepsRemaindersUsable() throws {
        // Slices seen: mostly 20 %, some 40 %. A 40 % slice on a device with 60 % free leaves 20 % that most
        // slices can use (expected dead 20 × 1/9); on one with 50 % free it leaves 10 % no slice can use.
        let demand = mix(Array(repeating: slices(1, 20, cpu: 0, memory: 0), count: 8) + [slices(1, 40, cpu: 0, memory: 0)])
        var ledger = DeviceLedger(nodes: [node("sixty", devices: 1), node("fifty", devices: 1)])
        try ledger.occupy("u1", node: "sixty", positions: [0], cores: 40)
        try ledger.occupy("u2", node: "fifty", positions: [0], cores: 50)
        let s = scores(.fragmentation, slices(1, 40, cpu: 0, memory: 0), ledger, demand: demand)
        #expect(s["sixty"]! > s["fifty"]!)
    }

    @Test func weightedProfileAndNameOrderDecide() throws {
        let ledger = DeviceLedger(nodes: ["n3", "n1", "n2"].map { node($0) })
        let engine = PlacementEngine()
        let r = engine.evaluate(whole(1), in: ledger, now: t0)
        // Identical nodes: identical scores, so the first name wins and the order is stable.
        #expect(r.feasible.map(\.node) == ["n1", "n2", "n3"])
        #expect(engine.best(whole(1), in: ledger, now: t0)?.node == "n1")
        // The pick gets 10; equal runners-up keep their own (rounded) score: (2·5 + 10 + 10 + 5) / 5 = 7.
        #expect(r.extenderScores.map(\.score) == [10, 7, 7])
        // Components are reported per policy and the total is their weighted mean.
        let b = try #require(r.best)
        let profile = ScoringProfile.gantryDefault
        let mean = profile.terms.reduce(0) { $0 + $1.weight * b.components[$1.policy]! } / profile.totalWeight
        #expect(abs(mean - b.score) < 1e-9)
        #expect(r.explanation.hasPrefix("3/3 nodes fit; best n1 scores"))
    }

    @Test func poolsUseTheirOwnProfiles() throws {
        var ledger = DeviceLedger(nodes: [node("p1", pool: "packed"), node("p2", pool: "packed"),
                                          node("s1", pool: "spread"), node("s2", pool: "spread")])
        try ledger.place("x", request: whole(1, cpu: 8000), on: "p2")
        try ledger.place("y", request: whole(1, cpu: 8000), on: "s1")
        let engine = PlacementEngine(poolPolicies: ["packed": PoolPolicy(profile: .binpack), "spread": PoolPolicy(profile: .spread)])
        var packed = whole(1)
        packed.allowedPools = ["packed"]
        var spread = whole(1)
        spread.allowedPools = ["spread"]
        #expect(engine.best(packed, in: ledger, now: t0)?.node == "p2")
        #expect(engine.best(spread, in: ledger, now: t0)?.node == "s2")
        // The ResourcePool form maps onto the same profiles.
        #expect(PoolPolicy(node: .binpack, device: .binpack, fragmentationAware: false).profile == .binpack)
        #expect(PoolPolicy(node: nil, device: .binpack, fragmentationAware: true).profile == .gantryDefault)
    }
}
