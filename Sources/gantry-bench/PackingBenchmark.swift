// `gantry-bench packing`: replays the Alibaba GPU trace (openb) as the FGD paper's simulator does and reports
// unallocated GPU % at arrived = 100 % (mean ± sd over seeds) for the published baselines, FGD and Gantry's
// default policy, beside the authors' published numbers (reference gpu-trace-benchmark.md §2, §5, §6).

import Foundation
import GantryScheduling
import Synchronization

enum PackingBenchmark {
    static let defaultTraces = ["default", "gpushare40", "gpuspec10", "multigpu20", "cpu050"]
    static let allPolicies = ["random", "dotproduct", "gpuclustering", "gpupacking", "bestfit", "fgd", "gantry"]
    /// Names of the policies in the authors' result files.
    static let publishedName = ["random": "01-Random", "dotproduct": "02-DotProd", "gpuclustering": "03-GpuClustering",
                                "gpupacking": "04-GpuPacking", "bestfit": "05-BestFit", "fgd": "06-FGD"]

    struct RunResult: Sendable {
        var trace: String
        var policy: String
        var seed: UInt64
        /// Unallocated GPU % averaged over the events binned at arrived = 100 % (and 130 %).
        var unallocatedAt100: Double
        var unallocatedAtEnd: Double
        var failedPods: Int
        /// Placements the ledger refused, and nodes/devices found over capacity at the end: both must be 0.
        var violations: Int
        var seconds: Double
    }

    static func run(_ args: [String]) throws {
        let dir = Bench.option("data", in: args) ?? "../shared/data/alibaba-gpu-v2023"
        let nodeFile = dir + "/openb_node_list_gpu_node.csv"
        guard FileManager.default.fileExists(atPath: nodeFile) else {
            print("packing: trace data not found (\(nodeFile) is missing); pass --data DIR pointing at the")
            print("alibaba-gpu-v2023 folder (see ../shared/data/alibaba-gpu-v2023/README.md). Nothing to do.")
            return
        }
        let traces = Bench.options("trace", in: args).isEmpty ? defaultTraces : Bench.options("trace", in: args)
        var policies = Bench.options("policy", in: args).isEmpty ? allPolicies : Bench.options("policy", in: args)
        policies = policies.map { $0.lowercased() }
        for p in policies where !allPolicies.contains(p) && !ResearchPolicy.isVariant(p) {
            throw PackingUsageError.usage("unknown policy \(p); choose from \(allPolicies.joined(separator: ", "))")
        }
        let seeds = try parseSeeds(Bench.option("seeds", in: args) ?? "42-51")
        let resample = Bench.option("resample", in: args).flatMap { UInt64($0) }
        let json = Bench.flag("json", in: args)
        let nodeOrder = Bench.option("node-order", in: args) ?? "seeded"
        guard ["seeded", "trace", "small-first", "large-first"].contains(nodeOrder) else {
            throw PackingUsageError.usage("--node-order \(nodeOrder): expected seeded, trace, small-first or large-first")
        }
        let threads = Int(Bench.option("threads", in: args) ?? "") ?? ProcessInfo.processInfo.activeProcessorCount

        let nodes = try TraceLoader.nodes(nodeFile)
        var pods: [String: [TracePod]] = [:]
        for t in traces {
            var list = try TraceLoader.pods(dir + "/openb_pod_list_\(t).csv")
            if let r = resample { list = bootstrap(list, seed: r) }
            pods[t] = list
        }
        let podLists = pods
        let jobs = traces.flatMap { t in policies.flatMap { p in seeds.map { (t, p, $0) } } }
        let results = Mutex<[RunResult]>([])
        let started = Bench.now()
        let work: @Sendable (Int) -> Void = { i in
            let (t, p, s) = jobs[i]
            let r = replay(trace: t, pods: podLists[t] ?? [], nodes: nodes, policy: p, seed: s, nodeOrder: nodeOrder)
            let done = results.withLock { $0.append(r); return $0.count }
            FileHandle.standardError.write(Data(String(format: "[%d/%d %.0fs] %@ %@ seed %llu: %.2f%% (%.1fs)\n", done, jobs.count,
                                                       Bench.now() - started, t, p, s, r.unallocatedAt100, r.seconds).utf8))
        }
        if threads <= 1 { for i in jobs.indices { work(i) } } else { runParallel(jobs.count, threads: threads, work) }

        let all = results.withLock { $0 }
        let published = loadPublished(dir + "/fgd-simulator-expected-results/analysis_allo_discrete.csv")
        if json { printJSON(all, traces: traces, policies: policies) } else {
            printTable(all, traces: traces, policies: policies, published: resample == nil ? published : [:])
        }
    }

    static func parseSeeds(_ text: String) throws -> [UInt64] {
        for sep in ["..", "-"] where text.contains(sep) {
            let parts = text.components(separatedBy: sep)
            guard parts.count == 2, let a = UInt64(parts[0]), let b = UInt64(parts[1]), a <= b, b - a < 10_000 else {
                throw PackingUsageError.usage("--seeds \(text): expected A-B, A..B or a comma list")
            }
            return Array(a...b)
        }
        let list = text.split(separator: ",").compactMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        guard !list.isEmpty else { throw PackingUsageError.usage("--seeds \(text): expected A-B, A..B or a comma list") }
        return list
    }

    /// A resampled trace (same size, pods drawn with replacement): a held-out variation of the workload.
    static func bootstrap(_ pods: [TracePod], seed: UInt64) -> [TracePod] {
        var rng = SeededRandom.stream(seed, 7)
        return (0..<pods.count).map { i in
            var p = pods[Int(rng.next() % UInt64(pods.count))]
            p.name = String(format: "resampled-%06d", i)
            return p
        }
    }

    static func makePolicy(_ name: String, pods: [TracePod], nodes: Int, seed: UInt64) -> any PackingPolicy {
        switch name {
        case "random": return RandomPolicy(rng: SeededRandom.stream(seed, 3))
        case "dotproduct": return DotProductPolicy()
        case "gpuclustering": return GpuClusteringPolicy(nodes: nodes)
        case "gpupacking": return GpuPackingPolicy()
        case "fgd": return FGDPolicy(trace: pods, nodes: nodes)
        case "bestfit": return BestFitPolicy()
        case "gantry": return GantryPackingPolicy()
        default: return ResearchPolicy(variant: name)
        }
    }

    static func replay(trace: String, pods: [TracePod], nodes: [TraceNode], policy name: String, seed: UInt64,
                       nodeOrder: String = "seeded", ratio: Double = 1.3) -> RunResult {
        let t0 = Bench.now()
        var ledger = DeviceLedger(nodes: TraceReplay.cluster(nodes, seed: seed, order: nodeOrder))
        // Equal scores go to the first node by name: by default the seeded random name order of the published
        // runs; the other orders (encoded in the names) test how much a policy leans on it.
        var rank = [Int](repeating: 0, count: ledger.nodes.count)
        for (i, slot) in ledger.nodes.indices.sorted(by: { ledger.nodes[$0].name < ledger.nodes[$1].name }).enumerated() { rank[slot] = i }
        let capacity = Int64(nodes.reduce(0) { $0 + $1.gpus }) * 1000
        let sequence = TraceReplay.sequence(pods, capacityMilli: capacity, seed: seed, ratio: ratio)
        var policy = makePolicy(name, pods: pods, nodes: ledger.nodes.count, seed: seed)
        var arrived: Int64 = 0
        var allocated: Int64 = 0
        var failed = 0
        var violations = 0
        let diagnose = ProcessInfo.processInfo.environment["PACKING_DIAGNOSE"] != nil
        var diagnosed = false
        var failedByClass: [String: (Int, Int64)] = [:]
        var binSum = [Double](repeating: 0, count: 131)
        var binCount = [Int](repeating: 0, count: 131)
        for (k, pod) in sequence.enumerated() {
            arrived += pod.demandMilli
            let request = pod.request
            let r = ledger.compile(request)
            if let p = policy.place(pod, r, in: ledger, rank: rank) {
                do {
                    try ledger.allocate("p\(k)", request: request, on: ledger.nodes[p.slot].name, assignment: p.assignment)
                    allocated += pod.demandMilli
                    policy.placed(pod, at: p.slot, in: ledger)
                } catch {
                    violations += 1
                    failed += 1
                }
            } else {
                failed += 1
                let cls = pod.gpuCount == 0 ? "cpu" : pod.gpuMilli < 1000 ? "share" : "\(pod.gpuCount)gpu"
                failedByClass[cls, default: (0, 0)].0 += 1
                failedByClass[cls, default: (0, 0)].1 += pod.demandMilli
            }
            if diagnose && !diagnosed && arrived >= capacity {
                diagnosed = true
                report(ledger: ledger, shapes: pods, failedByClass: failedByClass, label: "\(trace) \(name) seed \(seed)")
            }
            let bin = Int((100 * Double(arrived) / Double(capacity)).rounded())
            if bin >= 0 && bin <= 130 {
                binSum[bin] += 100 - 100 * Double(allocated) / Double(capacity)
                binCount[bin] += 1
            }
        }
        for n in ledger.nodes where n.active {
            if n.cpuUsed > n.spec.cpuMilli || n.memoryUsed > n.spec.memoryBytes { violations += 1 }
            for d in n.devices where d.usedCores > d.totalCores || (d.exclusive && d.slices > 0) { violations += 1 }
        }
        func at(_ b: Int) -> Double {
            if binCount[b] > 0 { return binSum[b] / Double(binCount[b]) }
            // An empty bin takes its neighbours, as the published merge scripts do.
            let near = [b - 1, b + 1].filter { $0 >= 0 && $0 <= 130 && binCount[$0] > 0 }
            return near.isEmpty ? .nan : near.reduce(0) { $0 + binSum[$1] / Double(binCount[$1]) } / Double(near.count)
        }
        let last = (0...130).last { binCount[$0] > 0 } ?? 130
        return RunResult(trace: trace, policy: name, seed: seed, unallocatedAt100: at(100), unallocatedAtEnd: at(last),
                         failedPods: failed, violations: violations, seconds: Bench.now() - t0)
    }

    /// Where the free GPU capacity sits when arrivals reach 100 % (research aid, PACKING_DIAGNOSE=1).
    static func report(ledger: DeviceLedger, shapes: [TracePod], failedByClass: [String: (Int, Int64)], label: String) {
        var idleByType: [String: Int] = [:]
        var partialByType: [String: Int] = [:]
        var cpuStranded = 0
        var memStranded = 0
        var partialHist = [Int](repeating: 0, count: 11)
        for n in ledger.nodes where n.active {
            let key = "\(n.spec.devices.first?.model ?? "-")x\(n.devices.count)/\(n.spec.cpuMilli / 1000)c"
            for d in n.devices where !d.exclusive {
                if d.isIdle { idleByType[key, default: 0] += 1000 } else if d.freeCores > 0 {
                    partialByType[key, default: 0] += d.freeCores * 10
                    partialHist[min(10, d.freeCores / 10)] += d.freeCores * 10
                }
            }
            let free = n.devices.reduce(0) { $0 + ($1.exclusive ? 0 : $1.freeCores * 10) }
            if n.cpuFree < 4000 { cpuStranded += free }
            if n.memoryFree < (16 << 30) { memStranded += free }
        }
        // Classify every free share: usable by some pod shape of the trace now, too small for any shape's GPU
        // demand, or big enough but starved of CPU/memory on its node.
        var usable = 0, tooSmall = 0, starved = 0
        for n in ledger.nodes where n.active {
            for d in n.devices where !d.exclusive && d.freeCores > 0 {
                let f = d.freeCores * 10
                let gpuFits = shapes.filter { $0.gpuCount >= 1 && (d.isIdle || ($0.gpuCount == 1 && $0.gpuMilli <= f)) }
                if gpuFits.isEmpty { tooSmall += f }
                else if gpuFits.contains(where: { $0.cpuMilli <= n.cpuFree && ($0.memoryMiB << 20) <= n.memoryFree }) { usable += f }
                else { starved += f }
            }
        }
        var out = "== \(label): free at arrived 100%: usable \(usable), too small for any shape \(tooSmall), cpu/mem-starved \(starved)\n"
        out += "  idle GPUs by node type (milli): \(idleByType.sorted { $0.value > $1.value }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))\n"
        out += "  partial GPU free by node type: \(partialByType.sorted { $0.value > $1.value }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))\n"
        out += "  partial free by decile of free share: \(partialHist)\n"
        out += "  free on nodes with < 4 cores free: \(cpuStranded), with < 16 GiB free: \(memStranded)\n"
        out += "  failed by class (pods, milli): \(failedByClass.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.0)/\($0.value.1)" }.joined(separator: " "))\n"
        FileHandle.standardError.write(Data(out.utf8))
    }

    static func runParallel(_ count: Int, threads: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let next = Mutex(0)
        let group = DispatchGroup()
        for _ in 0..<min(threads, count) {
            group.enter()
            let thread = Thread {
                while true {
                    let i = next.withLock { v -> Int in defer { v += 1 }; return v }
                    if i >= count { break }
                    body(i)
                }
                group.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
    }

    static func meanSD(_ v: [Double]) -> (Double, Double) {
        guard !v.isEmpty else { return (.nan, .nan) }
        let m = v.reduce(0, +) / Double(v.count)
        guard v.count > 1 else { return (m, 0) }
        return (m, (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot())
    }

    /// trace → policy → unallocated % at arrived = 100 % per published seed.
    static func loadPublished(_ path: String) -> [String: [String: [Double]]] {
        guard let rows = try? TraceLoader.rows(path) else { return [:] }
        var out: [String: [String: [Double]]] = [:]
        for r in rows {
            guard let w = r["workload"], let p = r["sc_policy"], let v = r["100"].flatMap(Double.init) else { continue }
            out[w.replacingOccurrences(of: "openb_pod_list_", with: ""), default: [:]][p, default: []].append(100 - v)
        }
        return out
    }

    static func printTable(_ all: [RunResult], traces: [String], policies: [String], published: [String: [String: [Double]]]) {
        let seedsRun = Set(all.map(\.seed)).count
        print("Unallocated GPU % at arrived = 100 % (mean ± sd over \(seedsRun) seeds); lower is better.")
        print("trace        policy          ours            published        at 130 %   failed pods   violations")
        for t in traces {
            for p in policies {
                let runs = all.filter { $0.trace == t && $0.policy == p }
                let (m, sd) = meanSD(runs.map(\.unallocatedAt100))
                let (end, _) = meanSD(runs.map(\.unallocatedAtEnd))
                let failed = runs.isEmpty ? 0 : runs.reduce(0) { $0 + $1.failedPods } / runs.count
                let pub = publishedName[p].flatMap { published[t]?[$0] }.map { meanSD($0) }
                let pubText = pub.map { String(format: "%6.2f ± %.2f", $0.0, $0.1) } ?? "      —     "
                print(pad(t, 12) + " " + pad(p, 15) + String(format: " %6.2f ± %.2f    %@    %6.2f     %8d     %6d", m, sd, pubText,
                                                                         end, failed, runs.reduce(0) { $0 + $1.violations }))
            }
        }
    }

    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }

    static func printJSON(_ all: [RunResult], traces: [String], policies: [String]) {
        var parts: [String] = []
        for t in traces {
            var inner: [String] = []
            for p in policies {
                let (m, sd) = meanSD(all.filter { $0.trace == t && $0.policy == p }.map(\.unallocatedAt100))
                inner.append("\"\(p)\": {\"mean\": \(String(format: "%.4f", m)), \"sd\": \(String(format: "%.4f", sd))}")
            }
            parts.append("\"\(t)\": {" + inner.joined(separator: ", ") + "}")
        }
        print("{" + parts.joined(separator: ", ") + "}")
    }
}

// Named apart from the other benchmarks' `BenchError` (WatchBenchmark), which shares the executable's scope.
enum PackingUsageError: Error, CustomStringConvertible {
    case usage(String)
    var description: String {
        switch self { case .usage(let s): return s }
    }
}
