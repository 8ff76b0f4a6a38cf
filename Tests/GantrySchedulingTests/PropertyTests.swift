// Randomized (seeded) properties: whatever sequence of placements, releases, gang reservations, inventory
// changes and admissions happens, no device, node or quota is ever over-committed, and the incremental
// ledger always equals one rebuilt from its allocations.

import Foundation
import Testing
@testable import GantryScheduling

struct PropertyTests {
    static let models = ["S60", "T20", "A100"]

    func randomCluster(_ rng: inout SeededRandom) -> [NodeSpec] {
        (0..<Int.random(in: 2...6, using: &rng)).map { i in
            let name = "n\(i)"
            let model = Self.models[Int.random(in: 0..<Self.models.count, using: &rng)]
            let maxSlices = Int.random(in: 1...6, using: &rng)
            var spec = NodeSpec(name: name, cpuMilli: Int64.random(in: 4...64, using: &rng) * 1000,
                                memoryBytes: Int64.random(in: 8...256, using: &rng) * GiB, maxPods: Int.random(in: 3...30, using: &rng),
                                rack: "r\(i % 2)")
            spec.devices = (0..<Int.random(in: 0...8, using: &rng)).map { d in
                device(name, d, model: model, memoryMiB: Int.random(in: 8...64, using: &rng) * 1024, maxSlices: maxSlices,
                       healthy: Int.random(in: 0..<10, using: &rng) > 0)
            }
            return spec
        }
    }

    func randomRequest(_ rng: inout SeededRandom) -> PodRequest {
        var r = PodRequest(cpuMilli: Int64.random(in: 0...16, using: &rng) * 500, memoryBytes: Int64.random(in: 0...32, using: &rng) * GiB)
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: break
        case 1: r.slices = SliceRequest(count: Int.random(in: 1...3, using: &rng), cores: Int.random(in: 1...100, using: &rng),
                                        memoryMiB: Bool.random(using: &rng) ? nil : Int.random(in: 1...40_000, using: &rng))
        case 2: r.wholeDevices = [WholeDeviceRequest(count: Int.random(in: 1...4, using: &rng))]
        case 3:
            r.slices = SliceRequest(count: Int.random(in: 1...2, using: &rng), cores: Int.random(in: 5...60, using: &rng))
            r.wholeDevices = [WholeDeviceRequest(count: Int.random(in: 1...2, using: &rng))]
        default: r.slices = SliceRequest(count: 1, cores: [10, 25, 50, 75][Int.random(in: 0..<4, using: &rng)])
        }
        if Int.random(in: 0..<4, using: &rng) == 0 { r.allowedModels = [Self.models[Int.random(in: 0..<Self.models.count, using: &rng)]] }
        return r
    }

    /// Usage recomputed from scratch from the allocations, to compare with the incremental ledger.
    func rebuilt(_ ledger: DeviceLedger) throws -> DeviceLedger {
        var fresh = DeviceLedger(nodes: ledger.activeSlots.map { ledger.nodes[$0].spec })
        for a in ledger.allocations.values.sorted(by: { $0.id < $1.id }) { try fresh.record(a, allowOvercommit: true) }
        return fresh
    }

    @Test(arguments: 0..<12)
    func placementsNeverOvercommit(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        var ledger = DeviceLedger(nodes: randomCluster(&rng))
        var engine = PlacementEngine(defaultPolicy: [PoolPolicy.gantryDefault, PoolPolicy(profile: .binpack),
                                                     PoolPolicy(profile: .spread)][Int(seed % 3)])
        let planner = GangPlanner(engine: engine)
        var ids: [String] = []
        for step in 0..<250 {
            let op = Int.random(in: 0..<10, using: &rng)
            if op < 6 {
                let r = randomRequest(&rng)
                engine.observe(r)
                let result = engine.evaluate(r, in: ledger, now: t0)
                if let best = engine.best(r, in: ledger, now: t0) {
                    // The fast path and the full evaluation agree, and the ledger accepts the choice.
                    #expect(result.best?.node == best.node && result.best?.assignment == best.assignment)
                    try ledger.allocate("p\(step)", request: r, on: best.node, assignment: best.assignment)
                    ids.append("p\(step)")
                } else {
                    #expect(result.feasible.isEmpty)
                    // Every node said why, and the reason holds: placing there anyway is refused.
                    for rej in result.rejected {
                        #expect(throws: LedgerError.self) { var copy = ledger; try copy.place("x", request: r, on: rej.node) }
                    }
                }
            } else if op < 8, !ids.isEmpty {
                ledger.release(ids.remove(at: Int.random(in: 0..<ids.count, using: &rng)))
            } else if op == 8 {
                let n = Int.random(in: 1...4, using: &rng)
                let spec = GangSpec(gang: "g\(step)", members: (0..<n).map { GangMember(name: "m\($0)", request: randomRequest(&rng)) },
                                    minMember: Int.random(in: 1...n, using: &rng))
                if case .success(let plan) = planner.plan(spec, in: ledger, now: t0) {
                    let before = ledger.allocations.count
                    let res = try GangPlanner.reserve(plan, owner: .init(), in: &ledger, ttl: 30, now: t0)
                    #expect(res.count >= spec.minMember && ledger.allocations.count == before + res.count)
                    ids.append(contentsOf: res)
                }
            } else {
                // The node agent reports a device gone bad or back.
                let slot = ledger.activeSlots[Int.random(in: 0..<ledger.activeSlots.count, using: &rng)]
                if let d = ledger.nodes[slot].spec.devices.randomElement(using: &rng) {
                    try ledger.setDeviceHealth(node: ledger.nodes[slot].name, device: d.id, healthy: Bool.random(using: &rng))
                }
            }
            #expect(ledger.violations().isEmpty, "seed \(seed) step \(step): \(ledger.violations())")
        }
        let fresh = try rebuilt(ledger)
        for s in ledger.activeSlots {
            let a = ledger.nodes[s], b = fresh.nodes[fresh.slot(of: a.name)!]
            #expect(a.devices == b.devices && a.cpuUsed == b.cpuUsed && a.memoryUsed == b.memoryUsed && a.podsUsed == b.podsUsed)
        }
    }

    /// What the extender's prioritize sent when it sorted `rank`'s result: a name → score map filled from
    /// `extenderScores` (later entries overwrite), read back per candidate.
    static func viaRank(_ engine: PlacementEngine, _ r: PodRequest, _ ledger: DeviceLedger, _ names: [String],
                        gang: GangContext?) -> [Int] {
        var map: [String: Int] = [:]
        for (node, score) in engine.rank(r, in: ledger, candidates: names, now: t0, gang: gang).extenderScores { map[node] = score }
        return names.map { map[$0] ?? 0 }
    }

    @Test(arguments: 0..<12)
    func prioritizeScoresMatchTheRankedResult(seed: UInt64) throws {
        var rng = SeededRandom(seed: 500 + seed)
        // Twin nodes (same spec under other names) make ties that the name order must break.
        var specs = randomCluster(&rng)
        for s in specs where Bool.random(using: &rng) {
            var twin = s
            twin.name = "m" + s.name
            twin.devices = s.devices.map { var d = $0; d.id = twin.name + "-" + d.id; return d }
            specs.insert(twin, at: 0)
        }
        var ledger = DeviceLedger(nodes: specs)
        var engine = PlacementEngine(defaultPolicy: [PoolPolicy.gantryDefault, PoolPolicy(profile: .binpack),
                                                     PoolPolicy(profile: .spread)][Int(seed % 3)])
        let names = specs.map(\.name)
        for step in 0..<150 {
            let r = randomRequest(&rng)
            engine.observe(r)
            // Candidates as kube-scheduler may send them: any order, some twice, some unknown.
            var candidates = names.filter { _ in Int.random(in: 0..<4, using: &rng) > 0 }.shuffled(using: &rng)
            for _ in 0..<Int.random(in: 0...2, using: &rng) where !candidates.isEmpty {
                candidates.insert(candidates.randomElement(using: &rng)!, at: Int.random(in: 0...candidates.count, using: &rng))
            }
            if Int.random(in: 0..<5, using: &rng) == 0 { candidates.insert("ghost", at: 0) }
            let gang = Bool.random(using: &rng) ? GangContext(gang: "g", nodes: [names[0]], racks: ["r1"]) : nil
            let got = engine.scores(r, in: ledger, candidates: candidates, now: t0, gang: gang).extenderScores
            #expect(got == Self.viaRank(engine, r, ledger, candidates, gang: gang), "seed \(seed) step \(step)")
            // The filter's screen agrees with the scoring scan on who fits, and on why the others do not.
            let screened = engine.screen(r, in: ledger, candidates: candidates, now: t0)
            let ranked = engine.rank(r, in: ledger, candidates: candidates, now: t0)
            let fits = Set(ranked.feasible.map(\.node))
            #expect(screened.feasible.map(\.node) == candidates.filter { fits.contains($0) }, "seed \(seed) step \(step)")
            #expect(screened.rejected == ranked.rejected, "seed \(seed) step \(step)")
            if let best = engine.best(r, in: ledger, now: t0) {
                try ledger.allocate("p\(step)", request: r, on: best.node, assignment: best.assignment)
            } else if !ledger.allocations.isEmpty {
                ledger.release(ledger.allocations.keys.sorted()[0])
            }
        }
    }

    @Test(arguments: 0..<4)
    func nodeLookupsFollowNodesComingAndGoing(seed: UInt64) {
        var rng = SeededRandom(seed: 900 + seed)
        var ledger = DeviceLedger()
        var present = Set<String>()
        // Enough names to grow the index several times; slots are reused as nodes leave and come back.
        let names = (0..<300).map { "node-\($0)" } + ["caf\u{E9}", "\u{212A}elvin"]
        for _ in 0..<2000 {
            let name = names.randomElement(using: &rng)!
            if present.contains(name) && Bool.random(using: &rng) {
                ledger.removeNode(name)
                present.remove(name)
            } else {
                ledger.upsertNode(node(name, devices: 1))
                present.insert(name)
            }
        }
        for name in names {
            let slot = ledger.slot(of: name)
            #expect((slot != nil) == present.contains(name), "\(name)")
            if let slot { #expect(ledger.nodes[slot].name == name && ledger.nodes[slot].active) }
        }
        // Other spellings of a known name resolve as the dictionary did (canonical equivalence).
        if present.contains("caf\u{E9}") { #expect(ledger.slot(of: "cafe\u{301}") == ledger.slot(of: "caf\u{E9}")) }
        if present.contains("\u{212A}elvin") { #expect(ledger.slot(of: "Kelvin") == ledger.slot(of: "\u{212A}elvin")) }
        #expect(ledger.slot(of: "ghost") == nil)
    }

    @Test func prioritizeBreaksTiesByNameAndScoresARepeatedPickAsTheMapDid() {
        let ledger = DeviceLedger(nodes: ["n3", "n1", "n2"].map { node($0) })
        let engine = PlacementEngine()
        #expect(engine.scores(whole(1), in: ledger, candidates: ["n3", "n1", "n2"], now: t0).extenderScores == [7, 10, 7])
        #expect(engine.scores(whole(1), in: ledger, candidates: ["n3", "n1", "x", "n1"], now: t0).extenderScores == [7, 7, 0, 7])
        #expect(Self.viaRank(engine, whole(1), ledger, ["n3", "n1", "x", "n1"], gang: nil) == [7, 7, 0, 7])
        #expect(engine.scores(whole(9), in: ledger, candidates: ["n1"], now: t0).extenderScores == [0])
    }

    @Test(arguments: 0..<8)
    func admissionsNeverExceedQuotaLimits(seed: UInt64) throws {
        var rng = SeededRandom(seed: 1000 + seed)
        let d = ResourceVector.devices
        var tree = try QueueTree([
            QueueSpec(name: "root", limit: ResourceVector([d: Double(Int.random(in: 4...12, using: &rng))])),
            QueueSpec(name: "a", parent: "root", weight: Double(Int.random(in: 1...3, using: &rng)),
                      guaranteed: ResourceVector([d: Double(Int.random(in: 0...2, using: &rng))]),
                      limit: ResourceVector([d: Double(Int.random(in: 1...8, using: &rng))]), canBorrow: Bool.random(using: &rng)),
            QueueSpec(name: "b", parent: "root", limit: ResourceVector([d: Double(Int.random(in: 1...8, using: &rng))])),
            QueueSpec(name: "c", parent: "root", deserved: ResourceVector([d: 2])),
        ])
        var ledger = DeviceLedger(nodes: (0..<3).map { node("n\($0)", devices: 4) })
        let capacity = ResourceVector([d: 12])
        let check = AdmissionCheck()
        var running: [(queue: String, ids: [String], demand: ResourceVector)] = []
        for step in 0..<60 {
            if Int.random(in: 0..<4, using: &rng) == 0, !running.isEmpty {
                let job = running.remove(at: Int.random(in: 0..<running.count, using: &rng))
                for id in job.ids { ledger.release(id) }
                tree.add(ResourceVector.zero - job.demand, allocatedTo: job.queue)
                continue
            }
            let q = ["a", "b", "c"][Int.random(in: 0..<3, using: &rng)]
            let n = Int.random(in: 1...3, using: &rng)
            let members = (0..<n).map { GangMember(name: "m\($0)", request: Bool.random(using: &rng) ? whole(1, cpu: 0, memory: 0) : slices(1, 50, cpu: 0, memory: 0)) }
            let req = AdmissionRequest(job: "j\(step)", queue: q, gang: GangSpec(gang: "j\(step)", members: members, minMember: n))
            tree.setPending(req.requiredDemand, for: q)
            let fs = FairShare(tree: tree, capacity: capacity)
            if case .admitted(let plan, _) = check.evaluate(req, tree: tree, fairShare: fs, ledger: ledger, now: t0) {
                let ids = try GangPlanner.reserve(plan, owner: .init(queue: q), in: &ledger, ttl: 60, now: t0)
                let demand = plan.placements.reduce(ResourceVector.zero) { $0 + ResourceVector($1.request) }
                tree.add(demand, allocatedTo: q)
                running.append((q, ids, demand))
            }
            tree.setPending(.zero, for: q)
            for name in ["root", "a", "b", "c"] {
                let spec = tree.queues[name]!
                #expect(tree.allocated(name)[d] <= spec.cap(d) + 1e-9, "seed \(seed) step \(step): \(name) over its limit")
            }
            #expect(tree.allocated("root")[d] <= 12 + 1e-9)
            #expect(ledger.violations().isEmpty)
        }
    }

    @Test(arguments: 0..<6)
    func waterFillingConservesAndRespectsBounds(seed: UInt64) {
        var rng = SeededRandom(seed: 77 + seed)
        for _ in 0..<200 {
            let claims = (0..<Int.random(in: 1...8, using: &rng)).map { _ in
                let ceiling = Bool.random(using: &rng) ? Double.infinity : Double(Int.random(in: 0...20, using: &rng))
                return FairShare.Claim(weight: Double(Int.random(in: 1...5, using: &rng)),
                                       floor: Double(Int.random(in: 0...6, using: &rng)), ceiling: ceiling)
            }
            let amount = Double(Int.random(in: 0...60, using: &rng))
            let got = FairShare.waterFill(amount, claims: claims)
            let ceilings = claims.map(\.ceiling).reduce(0, +)
            #expect(abs(got.reduce(0, +) - min(amount, ceilings)) < 1e-6)
            for (g, c) in zip(got, claims) { #expect(g <= c.ceiling + 1e-9 && g >= 0) }
            // With room for every floor, each claim gets at least its (capped) floor.
            if claims.map({ min($0.floor, $0.ceiling) }).reduce(0, +) <= amount {
                for (g, c) in zip(got, claims) { #expect(g >= min(c.floor, c.ceiling) - 1e-9) }
            }
        }
    }
}
