// `gantry-bench scheduling`: the engine's speed targets (issue 6) on one core — one pod's filter + score over
// 5,000 nodes of 8 devices, a 64-member gang planned over 1,000 nodes, fair share over 1,000 queues.

import Foundation
import GantryScheduling
#if canImport(Glibc)
import Glibc
#endif

enum SchedulingBenchmark {
    static let epoch = Date(timeIntervalSince1970: 1_800_000_000)

    /// A cluster about half full: each node carries a random mix of whole devices and slices.
    static func cluster(nodes: Int, devices: Int, seed: UInt64) -> (DeviceLedger, PlacementEngine) {
        var rng = SeededRandom(seed: seed)
        let models = ["S60", "S60", "T20", "A100"]
        var ledger = DeviceLedger(nodes: (0..<nodes).map { i in
            let name = String(format: "node-%05d", i)
            let model = models[i % models.count]
            return NodeSpec(name: name, cpuMilli: 96_000, memoryBytes: 512 << 30, maxPods: 110, pool: i % 10 == 0 ? "infer" : "train",
                            rack: "rack-\(i / 40)",
                            devices: (0..<devices).map { d in
                                DeviceSpec(id: "\(name)/\(d)", index: d, vendor: "enflame", model: model, memoryMiB: 48_000,
                                           maxSlices: 6, temperature: TemperatureReading(celsius: Double(40 + d * 5), observedAt: epoch))
                            })
        })
        var engine = PlacementEngine(poolPolicies: ["infer": PoolPolicy(profile: .spread,
                                                                         thermal: ThermalPolicy(chip: ThermalThreshold(softC: 70, hardC: 90)))])
        var k = 0
        for slot in ledger.nodes.indices {
            let name = ledger.nodes[slot].name
            for _ in 0..<Int(rng.next() % 5) {
                let r = randomRequest(&rng)
                engine.observe(r)
                _ = try? ledger.place("bg-\(k)", request: r, on: name)
                k += 1
            }
        }
        return (ledger, engine)
    }

    /// `scheduling --dump`: every decision of the benchmark's requests in full (scores as bits), so two builds
    /// of the engine can be compared for identical choices and scores.
    static func dump(_ runs: Int) {
        for seed in [UInt64(1), 5] {
            let (big, engine) = cluster(nodes: 2000, devices: 8, seed: seed)
            var rng = SeededRandom(seed: 9 + seed)
            for i in 0..<runs {
                let r = randomRequest(&rng)
                let e = engine.evaluate(r, in: big, now: epoch)
                var line = "\(seed)/\(i) feasible \(e.feasible.count) rejected \(e.rejected.count):"
                for c in e.feasible {
                    line += " \(c.slot)=\(String(c.score.bitPattern, radix: 16))/\(c.assignment.whole.bits)/\(c.assignment.slices.bits)"
                }
                if let f = e.feasible.first {
                    line += " components " + f.components.sorted { $0.key.rawValue < $1.key.rawValue }
                        .map { "\($0.key.rawValue)=\(String($0.value.bitPattern, radix: 16))" }.joined(separator: ",")
                }
                for x in e.rejected { line += " !\(x.node):\(x.failure)" }
                let b = engine.best(r, in: big, now: epoch)
                line += " best \(b.map { "\($0.slot)=\(String($0.score.bitPattern, radix: 16))/\($0.assignment.whole.bits)/\($0.assignment.slices.bits)" } ?? "none")"
                let g = engine.best(r, in: big, now: epoch, gang: GangContext(gang: "g", nodes: ["node-00007", "node-00100"], racks: ["rack-3"]),
                                    excluding: [Int(i % 50)])
                line += " gang \(g.map { "\($0.slot)=\(String($0.score.bitPattern, radix: 16))/\($0.assignment.whole.bits)/\($0.assignment.slices.bits)" } ?? "none")"
                print(line)
            }
        }
    }

    static func randomRequest(_ rng: inout SeededRandom) -> PodRequest {
        let cpu = Int64(rng.next() % 24 + 1) * 1000
        switch rng.next() % 4 {
        case 0: return PodRequest(cpuMilli: cpu, memoryBytes: cpu << 22, wholeDevices: [WholeDeviceRequest(count: Int(rng.next() % 2) + 1)])
        case 1: return PodRequest(cpuMilli: cpu, memoryBytes: cpu << 22, slices: SliceRequest(count: 1, cores: [25, 50, 75][Int(rng.next() % 3)]))
        case 2: return PodRequest(cpuMilli: cpu, memoryBytes: cpu << 22, slices: SliceRequest(count: 2, cores: 30))
        default: return PodRequest(cpuMilli: cpu, memoryBytes: cpu << 22)
        }
    }

    /// CPU time of the calling thread in seconds: the work itself, without the time other processes on a
    /// shared machine take the core away (wall time is reported beside it).
    static func threadCPU() -> Double {
        #if canImport(Glibc)
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
        #else
        return Bench.now()
        #endif
    }

    struct Timing {
        var wall: [Double] = []
        var cpu: [Double] = []
    }

    static func timed(_ runs: Int, _ body: (Int) -> Void) -> Timing {
        var t = Timing()
        for i in 0..<runs {
            let w = Bench.now(), c = threadCPU()
            body(i)
            t.cpu.append((threadCPU() - c) * 1000)
            t.wall.append((Bench.now() - w) * 1000)
        }
        return t
    }

    static func report(_ name: String, _ t: Timing, target: Double) {
        let p99 = Bench.percentile(t.cpu, 99)
        print(name.padding(toLength: 52, withPad: " ", startingAt: 0)
              + String(format: " cpu p50 %6.3f p99 %6.3f ms | wall p50 %6.3f p99 %6.3f ms | target ≤ %.0f ms p99: %@",
                       Bench.percentile(t.cpu, 50), p99, Bench.percentile(t.wall, 50), Bench.percentile(t.wall, 99), target,
                       p99 <= target ? "met" : "MISSED"))
    }

    static func run(_ args: [String]) throws {
        let runs = Int(Bench.option("runs", in: args) ?? "") ?? 300
        if args.contains("--dump") { return dump(runs) }
        // 1. One pod: filter + score every node, with the per-node reasons of the extender's filter.
        let (big, engine) = cluster(nodes: 5000, devices: 8, seed: 1)
        var rng = SeededRandom(seed: 9)
        let requests = (0..<runs).map { _ in randomRequest(&rng) }
        for r in requests.prefix(20) { _ = engine.evaluate(r, in: big, now: epoch) }
        var feasible = 0
        let filterScore = timed(runs) { i in feasible += engine.evaluate(requests[i], in: big, now: epoch).feasible.count }
        print("cluster: 5,000 nodes × 8 devices, \(big.allocations.count) pods placed; mean feasible nodes per pod \(feasible / runs)")
        report("filter + score, 1 pod / 5,000 nodes (full result)", filterScore, target: 2)
        let bestOnly = timed(runs) { i in _ = engine.best(requests[i], in: big, now: epoch) }
        report("best node only, 1 pod / 5,000 nodes", bestOnly, target: 2)
        // Where the time goes, by request shape.
        func kind(_ r: PodRequest) -> String {
            r.wholeDeviceCount > 0 ? "whole devices" : r.slices.map { "\($0.count) slice(s)" } ?? "no devices"
        }
        var byKind: [String: [Double]] = [:]
        for (i, r) in requests.enumerated() { byKind[kind(r), default: []].append(filterScore.cpu[i]) }
        print("  full result by shape (cpu p50/p99 ms): " + byKind.sorted { $0.key < $1.key }.map {
            String(format: "%@ %.2f/%.2f", $0.key, Bench.percentile($0.value, 50), Bench.percentile($0.value, 99))
        }.joined(separator: ", "))

        // 2. A 64-member gang over 1,000 nodes.
        let (mid, midEngine) = cluster(nodes: 1000, devices: 8, seed: 2)
        let planner = GangPlanner(engine: midEngine)
        let shapes: [PodRequest] = [
            PodRequest(cpuMilli: 8000, memoryBytes: 32 << 30, wholeDevices: [WholeDeviceRequest(count: 1)]),
            PodRequest(cpuMilli: 4000, memoryBytes: 16 << 30, slices: SliceRequest(count: 1, cores: 50)),
            PodRequest(cpuMilli: 16_000, memoryBytes: 64 << 30, wholeDevices: [WholeDeviceRequest(count: 2)]),
        ]
        var planned = 0
        let gangRuns = max(10, runs / 5)
        let gang = timed(gangRuns) { i in
            let r = shapes[i % shapes.count]
            let spec = GangSpec(gang: "g\(i)", members: (0..<64).map { GangMember(name: "m\($0)", request: r) }, minMember: 64)
            if case .success = planner.plan(spec, in: mid, now: epoch) { planned += 1 }
        }
        print("gang: 64 members (1 whole / one 50% slice / 2 whole devices each) over 1,000 nodes; \(planned)/\(gangRuns) planned")
        report("gang plan, 64 members / 1,000 nodes", gang, target: 20)

        // 3. Fair share over 1,000 queues: 10 roots × 10 groups × 10 leaves (1,110 queues).
        var specs: [QueueSpec] = []
        var qrng = SeededRandom(seed: 3)
        for a in 0..<10 {
            specs.append(QueueSpec(name: "org\(a)", weight: Double(a % 3 + 1)))
            for b in 0..<10 {
                specs.append(QueueSpec(name: "org\(a)/g\(b)", parent: "org\(a)", weight: Double(b % 4 + 1),
                                       limit: ResourceVector([ResourceVector.devices: Double(qrng.next() % 400 + 100)])))
                for c in 0..<10 {
                    let dev = Double(qrng.next() % 40)
                    specs.append(QueueSpec(name: "org\(a)/g\(b)/q\(c)", parent: "org\(a)/g\(b)", weight: Double(c % 5 + 1),
                                           guaranteed: ResourceVector([ResourceVector.devices: Double(qrng.next() % 4)]),
                                           allocated: ResourceVector([ResourceVector.cpu: dev * 8000, ResourceVector.memory: dev * 3e10,
                                                                      ResourceVector.devices: dev]),
                                           pending: ResourceVector([ResourceVector.cpu: 64_000, ResourceVector.devices: Double(qrng.next() % 30)])))
                }
            }
        }
        let tree = try QueueTree(specs)
        let capacity = ResourceVector([ResourceVector.cpu: 40_000_000, ResourceVector.memory: 2e15, ResourceVector.devices: 40_000])
        var total = 0.0
        let fair = timed(runs) { _ in total += FairShare(tree: tree, capacity: capacity).share(of: "org0")[ResourceVector.devices] }
        report("fair share, \(specs.count) queues × 3 resources", fair, target: 5)
        let fs = FairShare(tree: tree, capacity: capacity)
        let order = timed(max(10, runs / 5)) { _ in _ = QueueOrder.queues(tree, fairShare: fs) }
        report("queue order, 1,000 leaf queues", order, target: 5)
        if total < 0 { print(total) }
    }
}
