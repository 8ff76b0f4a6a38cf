// The published baseline policies of the FGD paper's simulator (reference gpu-trace-benchmark.md §3–4),
// re-implemented on the engine's ledger and device fit: Random, BestFit, GpuPacking, DotProduct,
// GpuClustering and FGD itself. Each reproduces the simulator's integer scores, since ties (broken by a
// seeded node-name order) decide much of the outcome.

import Foundation
import GantryScheduling

struct PackingPlacement {
    var slot: Int
    var assignment: DeviceAssignment
}

protocol PackingPolicy {
    /// Chooses a node and devices for the pod, or nil when it fits nowhere. `rank[slot]` is the seeded
    /// node-name order used to break equal scores (lower first).
    mutating func place(_ pod: TracePod, _ r: CompiledRequest, in ledger: DeviceLedger, rank: [Int]) -> PackingPlacement?
    /// Told after the harness committed a placement.
    mutating func placed(_ pod: TracePod, at slot: Int, in ledger: DeviceLedger)
}

extension PackingPolicy {
    mutating func placed(_ pod: TracePod, at slot: Int, in ledger: DeviceLedger) {}
}

/// Highest score wins; equal scores go to the lower rank (the simulator's smallest node name).
struct BestChoice<Score: Comparable> {
    var slot = -1
    var score: Score?
    var rank = Int.max
    var assignment = DeviceAssignment.none

    mutating func offer(_ slot: Int, _ score: Score, rank: Int, _ a: DeviceAssignment) {
        if let s = self.score, score < s || (score == s && rank >= self.rank) { return }
        self.slot = slot
        self.score = score
        self.rank = rank
        self.assignment = a
    }

    var placement: PackingPlacement? { slot < 0 ? nil : PackingPlacement(slot: slot, assignment: assignment) }
}

enum Spec {
    static let maxCPU = 128_000.0
    static let maxGPU = 8_000.0
}

extension LedgerNode {
    /// Unallocated milli-GPU per device, as the simulator's `MilliGpuLeftList`.
    func milliLeft(_ i: Int) -> Int { devices[i].exclusive ? 0 : max(0, devices[i].freeCores * 10) }
    var milliLeftTotal: Int { (0..<devices.count).reduce(0) { $0 + milliLeft($1) } }
    var fullyFreeCount: Int { (0..<devices.count).reduce(0) { $0 + (devices[$1].isIdle ? 1 : 0) } }
}

/// Feasible nodes with the best-fit device choice (the simulator's default GPU selection).
func forEachFeasible(_ r: CompiledRequest, _ ledger: DeviceLedger, _ body: (Int, LedgerNode, DeviceAssignment) -> Void) {
    for slot in 0..<ledger.nodes.count where ledger.nodes[slot].active {
        if case .fits(let a) = ledger.nodes[slot].fit(r, choice: .binpack) { body(slot, ledger.nodes[slot], a) }
    }
}

struct RandomPolicy: PackingPolicy {
    var rng: SeededRandom

    mutating func place(_ pod: TracePod, _ r: CompiledRequest, in ledger: DeviceLedger, rank: [Int]) -> PackingPlacement? {
        var feasible: [(Int, DeviceAssignment)] = []
        forEachFeasible(r, ledger) { slot, _, a in feasible.append((slot, a)) }
        guard !feasible.isEmpty else { return nil }
        var (slot, a) = feasible[Int(rng.next() % UInt64(feasible.count))]
        if pod.gpuMilli < 1000 && pod.gpuCount == 1 {
            // Random-fit device among those that fit.
            let cand = Array(ledger.nodes[slot].sliceCandidates(r, blocked: .empty))
            if !cand.isEmpty { a = DeviceAssignment(slices: DeviceMask(bits: 1 << UInt64(cand[Int(rng.next() % UInt64(cand.count))]))) }
        }
        return PackingPlacement(slot: slot, assignment: a)
    }
}

struct BestFitPolicy: PackingPolicy {
    mutating func place(_ pod: TracePod, _ r: CompiledRequest, in ledger: DeviceLedger, rank: [Int]) -> PackingPlacement? {
        var best = BestChoice<Int64>()
        forEachFeasible(r, ledger) { slot, node, a in
            let cpu = Double(node.cpuFree - pod.cpuMilli) / Spec.maxCPU * 0.5
            let gpu = Double(Int64(node.milliLeftTotal) - pod.demandMilli) / Spec.maxGPU * 0.5
            best.offer(slot, Int64((1 - (cpu + gpu)) * 100), rank: rank[slot], a)
        }
        return best.placement
    }
}

struct DotProductPolicy: PackingPolicy {
    mutating func place(_ pod: TracePod, _ r: CompiledRequest, in ledger: DeviceLedger, rank: [Int]) -> PackingPlacement? {
        var best = BestChoice<Int64>()
        forEachFeasible(r, ledger) { slot, node, a in
            let dot = Double(node.cpuFree) / Spec.maxCPU * Double(pod.cpuMilli) / Spec.maxCPU
                + Double(node.milliLeftTotal) / Spec.maxGPU * Double(pod.demandMilli) / Spec.maxGPU
            best.offer(slot, Int64(100 * (1 - dot / 2)), rank: rank[slot], a)
        }
        return best.placement
    }
}

struct GpuPackingPolicy: PackingPolicy {
    mutating func place(_ pod: TracePod, _ r: CompiledRequest, in ledger: DeviceLedger, rank: [Int]) -> PackingPlacement? {
        var best = BestChoice<Int64>()
        forEachFeasible(r, ledger) { slot, node, a in
            best.offer(slot, pod.demandMilli <= 0 ? 0 : Self.score(node, pod), rank: rank[slot], a)
        }
        return best.placement
    }

    /// Tiers: shared GPUs (50–100), then idle GPUs on a used node (33–50), then an idle node (0–33).
    static func score(_ node: LedgerNode, _ pod: TracePod) -> Int64 {
        let fullyFree = node.fullyFreeCount
        if fullyFree == node.devices.count { return max(33 - Int64(fullyFree), Int64(fullyFree)) }
        let order = (0..<node.devices.count).sorted { node.milliLeft($0) < node.milliLeft($1) }
        var need = pod.gpuCount
        var idleUsed = 0
        var used: [Int] = []
        for i in order where need > 0 && pod.gpuMilli <= node.milliLeft(i) {
            need -= 1
            used.append(i)
            if node.milliLeft(i) == 1000 { idleUsed += 1 }
        }
        if need > 0 { return 0 }
        if idleUsed > 0 { return max(50 - Int64(idleUsed), 33) }
        let ratio = used.reduce(Int64(0)) { $0 + Int64(node.milliLeft($1) * 100 / 1000) }
        return max(100 - ratio / 10, 50)
    }
}

struct GpuClusteringPolicy: PackingPolicy {
    /// GPU-pod classes on each node ("share-gpu", "1-gpu", …) with their counts.
    var classes: [[String: Int]]

    init(nodes: Int) { classes = Array(repeating: [:], count: nodes) }

    static func tag(_ pod: TracePod) -> String? {
        if pod.demandMilli <= 0 { return nil }
        return pod.gpuCount == 1 && pod.gpuMilli < 1000 ? "share-gpu" : "\(pod.gpuCount)-gpu"
    }

    mutating func place(_ pod: TracePod, _ r: CompiledRequest, in ledger: DeviceLedger, rank: [Int]) -> PackingPlacement? {
        var best = BestChoice<Int64>()
        let tag = Self.tag(pod)
        forEachFeasible(r, ledger) { slot, node, a in
            guard let tag else { best.offer(slot, 0, rank: rank[slot], a); return }
            let fill = 25 * (8000 - Int64(node.milliLeftTotal)) / 8000
            let here = classes[slot]
            let band: Int64
            if here[tag, default: 0] > 0 { band = here.count == 1 ? 75 : 50 } else { band = here.isEmpty ? 25 : 0 }
            best.offer(slot, fill + band, rank: rank[slot], a)
        }
        return best.placement
    }

    mutating func placed(_ pod: TracePod, at slot: Int, in ledger: DeviceLedger) {
        if let tag = Self.tag(pod) { classes[slot][tag, default: 0] += 1 }
    }
}

/// FGD (ATC '23) as published: typical pod specs from the whole trace (≥ 95 % of pods by frequency,
/// CPU-only pods included, memory ignored), node score int(100·sigmoid(−Δfrag/1000)).
struct FGDPolicy: PackingPolicy {
    struct Typical {
        var cpu: Int64
        var milli: Int
        var count: Int
        var models: Set<String>
        var p: Double
    }

    var typical: [Typical]
    /// Per slot: the node generation the cached fragmentation belongs to.
    var cache: [(UInt64, Double)]
    /// Model allowed per typical pod, per interned model code of the node's devices.
    var modelOK: [[Bool]] = []

    init(trace: [TracePod], nodes: Int) {
        var counts: [String: (Typical, Int)] = [:]
        for p in trace {
            let key = "\(p.cpuMilli)/\(p.gpuMilli)/\(p.gpuCount)/\(p.models.joined(separator: "|"))"
            counts[key, default: (Typical(cpu: p.cpuMilli, milli: p.gpuMilli, count: p.gpuCount, models: Set(p.models), p: 0), 0)].1 += 1
        }
        let sorted = counts.values.sorted {
            $0.1 != $1.1 ? $0.1 > $1.1
                : ($0.0.cpu, $0.0.milli, $0.0.count, $0.0.models.sorted().joined()) < ($1.0.cpu, $1.0.milli, $1.0.count, $1.0.models.sorted().joined())
        }
        let total = Double(trace.count)
        var cum = 0.0
        var chosen: [Typical] = []
        for (t, n) in sorted where cum < 0.95 * total {
            chosen.append(Typical(cpu: t.cpu, milli: t.milli, count: t.count, models: t.models, p: Double(n)))
            cum += Double(n)
        }
        typical = chosen.map { var t = $0; t.p /= cum; return t }
        cache = Array(repeating: (UInt64.max, 0), count: nodes)
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

    static func score(_ before: Double, _ after: Double) -> Int64 {
        Int64(100 / (1 + exp(-(before - after) / 1000)))
    }

    mutating func place(_ pod: TracePod, _ r: CompiledRequest, in ledger: DeviceLedger, rank: [Int]) -> PackingPlacement? {
        var best = BestChoice<Int64>()
        for slot in 0..<ledger.nodes.count where ledger.nodes[slot].active {
            let node = ledger.nodes[slot]
            guard case .fits(let fit) = node.fit(r, choice: .binpack) else { continue }
            let model = node.spec.devices.first?.model ?? ""
            var left = (0..<node.devices.count).map { node.milliLeft($0) }
            if cache[slot].0 != node.generation { cache[slot] = (node.generation, frag(cpuLeft: node.cpuFree, left: left, model: model)) }
            let before = cache[slot].1
            let cpuAfter = node.cpuFree - pod.cpuMilli
            if pod.gpuCount == 1 && pod.gpuMilli < 1000 {
                var nodeBest: (Int64, Int)? = nil
                var seen = Set<Int>()
                // Devices with equal free share score equally; the first one wins, as in the simulator.
                for i in node.sliceCandidates(r, blocked: .empty) where seen.insert(left[i]).inserted {
                    left[i] -= pod.gpuMilli
                    let s = Self.score(before, frag(cpuLeft: cpuAfter, left: left, model: model))
                    left[i] += pod.gpuMilli
                    if nodeBest == nil || s > nodeBest!.0 { nodeBest = (s, i) }
                }
                if let (s, i) = nodeBest { best.offer(slot, s, rank: rank[slot], DeviceAssignment(slices: DeviceMask(bits: 1 << UInt64(i)))) }
            } else {
                for i in fit.whole { left[i] = 0 }
                best.offer(slot, Self.score(before, frag(cpuLeft: cpuAfter, left: left, model: model)), rank: rank[slot], fit)
            }
        }
        return best.placement
    }
}
