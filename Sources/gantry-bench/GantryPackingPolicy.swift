// WIP research harness for Gantry's default policy on the packing benchmark.
import Foundation
import GantryScheduling

/// Gantry's default policy on the benchmark: the engine's own filter and score (PlacementEngine with the
/// default pool policy), learning the demand mix from the pods as they arrive.
struct GantryPackingPolicy: PackingPolicy {
    var engine = PlacementEngine()
    static let epoch = Date(timeIntervalSince1970: 0)

    mutating func place(_ pod: TracePod, _ r: CompiledRequest, in ledger: DeviceLedger, rank: [Int]) -> PackingPlacement? {
        let request = pod.request
        engine.observe(request)
        guard let c = engine.best(request, in: ledger, now: Self.epoch) else { return nil }
        return PackingPlacement(slot: c.slot, assignment: c.assignment)
    }
}

struct ResearchPolicy: PackingPolicy {
    static func isVariant(_ name: String) -> Bool { name.hasPrefix("gx:") }

    var params: [String: Double] = [:]
    var counts: [String: (FGDPolicy.Typical, Int)] = [:]
    var observed = 0
    var sliceHist = [Double](repeating: 0, count: 101)
    var slicesSeen = 0.0
    var gpuPodCPU = 0.0, gpuPodMem = 0.0, gpuPodGPU = 0.0
    var typical: [FGDPolicy.Typical] = []
    var lastRefresh = 0
    var gaps = [Int](repeating: 0, count: 101)
    var cache: [(UInt64, Double)] = []

    init(variant: String) {
        for part in variant.dropFirst(3).split(separator: ",") {
            let kv = part.split(separator: "=")
            if kv.count == 2, let v = Double(kv[1]) { params[String(kv[0])] = v }
        }
    }

    func p(_ k: String, _ d: Double) -> Double { params[k] ?? d }

    mutating func observe(_ pod: TracePod) {
        let key = "\(pod.cpuMilli)/\(pod.gpuMilli)/\(pod.gpuCount)/\(pod.models.joined(separator: "|"))"
        counts[key, default: (FGDPolicy.Typical(cpu: pod.cpuMilli, milli: pod.gpuMilli, count: pod.gpuCount, models: Set(pod.models), p: 0), 0)].1 += 1
        observed += 1
        if pod.gpuCount == 1 && pod.gpuMilli < 1000 { sliceHist[pod.gpuMilli / 10] += 1; slicesSeen += 1 }
        if pod.demandMilli > 0 {
            gpuPodCPU += Double(pod.cpuMilli)
            gpuPodMem += Double(pod.memoryMiB)
            gpuPodGPU += Double(pod.demandMilli)
        }
        if observed - lastRefresh >= max(1, observed / 32) {
            lastRefresh = observed
            let sorted = counts.values.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : ($0.0.cpu, $0.0.milli) < ($1.0.cpu, $1.0.milli) }
            var cum = 0.0
            var chosen: [FGDPolicy.Typical] = []
            let cover = p("cover", 0.95) * Double(observed)
            for (t, n) in sorted where cum < cover {
                var t = t
                t.p = Double(n)
                chosen.append(t)
                cum += Double(n)
            }
            typical = chosen.map { var t = $0; t.p /= cum; return t }
            cache = []
        }
    }

    func frag(cpuLeft: Int64, left: [Int], model: String) -> Double {
        let total = left.reduce(0, +)
        var f = 0.0
        for t in typical {
            if t.count == 0 || (!t.models.isEmpty && !t.models.contains(model)) { f += t.p * Double(total); continue }
            var fits = 0
            var small = 0
            for l in left { if l >= t.milli { fits += 1 } else { small += l } }
            f += t.p * Double(fits >= t.count && cpuLeft >= t.cpu ? small : total)
        }
        return f
    }

    /// GPU (milli) on the node that the average GPU pod could not use for lack of CPU or memory.
    func starved(gpu: Int, cpu: Int64, memMiB: Int64) -> Double {
        guard gpuPodGPU > 0 else { return 0 }
        let byCPU = Double(cpu) / (gpuPodCPU / gpuPodGPU)
        let byMem = p("mem", 1) > 0 ? Double(memMiB) / (gpuPodMem / gpuPodGPU) : Double.infinity
        return max(0, Double(gpu) - min(byCPU, byMem))
    }

    /// Expected dead share of a partly used device with `h` percent free: h × P(next slice needs more).
    func dead(_ h: Int) -> Double {
        guard h > 0 && h < 100 && slicesSeen > 0 else { return 0 }
        var bigger = 0.0
        for c in (h + 1)...100 { bigger += sliceHist[c] }
        return Double(h) * bigger / slicesSeen
    }

    func ssDelta(from g: Int, take s: Int) -> Double {
        var d = 0.0
        if g < 100 && g > 0 { d += Double(-2 * gaps[g] + 1) }
        let after = g - s
        if after > 0 && after < 100 { d += Double(2 * gaps[after] + 1) }
        return d
    }

    mutating func place(_ pod: TracePod, _ r: CompiledRequest, in ledger: DeviceLedger, rank: [Int]) -> PackingPlacement? {
        observe(pod)
        if cache.count != ledger.nodes.count { cache = Array(repeating: (UInt64.max, 0), count: ledger.nodes.count) }
        let wF = p("fgd", 1), round = p("round", 0) > 0, wSS = p("ss", 0), wPack = p("pack", 0), wBal = p("bal", 0)
        var best = BestChoice<Double>()
        for slot in 0..<ledger.nodes.count where ledger.nodes[slot].active {
            let node = ledger.nodes[slot]
            guard case .fits(let fit) = node.fit(r, choice: .binpack) else { continue }
            let model = node.spec.devices.first?.model ?? ""
            var left = (0..<node.devices.count).map { node.milliLeft($0) }
            if cache[slot].0 != node.generation { cache[slot] = (node.generation, frag(cpuLeft: node.cpuFree, left: left, model: model)) }
            let before = cache[slot].1
            let cpuAfter = node.cpuFree - pod.cpuMilli
            let totalMilli = Double(node.devices.count * 1000)
            let memAfter = (node.memoryFree >> 20) - pod.memoryMiB
            let starvedBefore = wBal != 0 ? starved(gpu: left.reduce(0, +), cpu: node.cpuFree, memMiB: node.memoryFree >> 20) : 0
            func score(_ after: Double, _ ss: Double, leftTotal: Int) -> Double {
                var s = 0.0
                if wF != 0 {
                    let d = (before - after) / 1000
                    s += wF * (round ? Double(FGDPolicy.score(before, after)) / 100 : d)
                }
                s -= wSS * ss
                if totalMilli > 0 { s += wPack * (1 - Double(leftTotal) / totalMilli) }
                if wBal != 0 { s -= wBal * (starved(gpu: leftTotal, cpu: cpuAfter, memMiB: memAfter) - starvedBefore) / 1000 }
                return s
            }
            if pod.gpuCount == 1 && pod.gpuMilli < 1000 {
                var nodeBest: (Double, Int)? = nil
                var seen = Set<Int>()
                for i in node.sliceCandidates(r, blocked: .empty) where seen.insert(left[i]).inserted {
                    let g = left[i]
                    left[i] -= pod.gpuMilli
                    let s = score(wF != 0 ? frag(cpuLeft: cpuAfter, left: left, model: model) : 0,
                                  ssDelta(from: g / 10, take: pod.gpuMilli / 10), leftTotal: left.reduce(0, +))
                    left[i] += pod.gpuMilli
                    let t = s - p("tight", 0) * Double(g - pod.gpuMilli) / 1000
                        - p("hole", 0) * (dead((g - pod.gpuMilli) / 10) - dead(g / 10)) / 100
                    if nodeBest == nil || t > nodeBest!.0 || (t == nodeBest!.0 && p("dbf", 0) > 0 && g < left[nodeBest!.1]) { nodeBest = (t, i) }
                }
                if let (s, i) = nodeBest { best.offer(slot, s, rank: rank[slot], DeviceAssignment(slices: DeviceMask(bits: 1 << UInt64(i)))) }
            } else {
                for i in fit.whole { left[i] = 0 }
                let s = score(wF != 0 ? frag(cpuLeft: cpuAfter, left: left, model: model) : 0, 0, leftTotal: left.reduce(0, +))
                best.offer(slot, s, rank: rank[slot], fit)
            }
        }
        return best.placement
    }

    mutating func placed(_ pod: TracePod, at slot: Int, in ledger: DeviceLedger) {
        // Rebuild the gap histogram cheaply from the node that changed.
        if pod.gpuCount == 1 && pod.gpuMilli < 1000 {
            gaps = [Int](repeating: 0, count: 101)
            for n in ledger.nodes where n.active {
                for d in n.devices where !d.exclusive && d.freeCores > 0 && d.freeCores < 100 { gaps[d.freeCores] += 1 }
            }
        }
    }
}
