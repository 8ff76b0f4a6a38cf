// The Alibaba GPU trace (cluster-trace-gpu-v2023, "openb") as the packing benchmark replays it: node and pod
// CSVs, the mapping onto engine requests (sharing pod → one vGCU of gpu_milli/10 cores; gpu_spec → allowed
// models) and the published replay order (sort by name, shuffle per seed, inflate/deflate to 130 %).

import Foundation
import GantryScheduling

struct TraceNode: Sendable {
    var name: String
    var cpuMilli: Int64
    var memoryMiB: Int64
    var gpus: Int
    var model: String
}

struct TracePod: Sendable {
    var name: String
    var cpuMilli: Int64
    var memoryMiB: Int64
    var gpuCount: Int
    /// Per-GPU share in thousandths; < 1000 only for sharing pods.
    var gpuMilli: Int
    var models: [String]

    /// GPU demand in milli-GPU, as the published "arrived" metric counts it.
    var demandMilli: Int64 { Int64(gpuCount * gpuMilli) }

    /// The engine request (DESIGN §5): a sharing pod is one vGCU with vgcu-cores = gpu_milli / 10; a pod of
    /// whole GPUs asks for that many whole devices; gpu_spec lists the allowed models.
    var request: PodRequest {
        var r = PodRequest(cpuMilli: cpuMilli, memoryBytes: memoryMiB << 20)
        if gpuCount > 0 && gpuMilli > 0 {
            if gpuMilli < 1000 {
                r.slices = SliceRequest(count: gpuCount, cores: max(1, gpuMilli / 10))
            } else {
                r.wholeDevices = [WholeDeviceRequest(count: gpuCount)]
            }
        }
        if !models.isEmpty { r.allowedModels = Set(models) }
        return r
    }
}

enum TraceError: Error, CustomStringConvertible {
    case missingFile(String)
    case malformed(file: String, line: Int, why: String)

    var description: String {
        switch self {
        case .missingFile(let f): return "cannot read \(f)"
        case .malformed(let f, let l, let why): return "\(f):\(l): \(why)"
        }
    }
}

enum TraceLoader {
    static func rows(_ path: String) throws -> [[String: String]] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw TraceError.missingFile(path)
        }
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard !lines.isEmpty else { return [] }
        let header = lines.removeFirst().split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return lines.map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            var row: [String: String] = [:]
            for (i, h) in header.enumerated() { row[h] = i < fields.count ? fields[i] : "" }
            return row
        }
    }

    static func int(_ row: [String: String], _ key: String, _ file: String, _ line: Int) throws -> Int64 {
        guard let s = row[key], let v = Int64(s.trimmingCharacters(in: .whitespaces)) else {
            throw TraceError.malformed(file: file, line: line, why: "\(key) is not an integer")
        }
        return v
    }

    static func nodes(_ path: String) throws -> [TraceNode] {
        try rows(path).enumerated().map { i, r in
            TraceNode(name: r["sn"] ?? "node-\(i)", cpuMilli: try int(r, "cpu_milli", path, i + 2),
                      memoryMiB: try int(r, "memory_mib", path, i + 2), gpus: Int(try int(r, "gpu", path, i + 2)),
                      model: r["model"] ?? "")
        }
    }

    static func pods(_ path: String) throws -> [TracePod] {
        try rows(path).enumerated().map { i, r in
            let spec = (r["gpu_spec"] ?? "").split(separator: "|").map(String.init).filter { !$0.isEmpty }
            return TracePod(name: r["name"] ?? "pod-\(i)", cpuMilli: try int(r, "cpu_milli", path, i + 2),
                            memoryMiB: try int(r, "memory_mib", path, i + 2), gpuCount: Int(try int(r, "num_gpu", path, i + 2)),
                            gpuMilli: Int(try int(r, "gpu_milli", path, i + 2)), models: Array(Set(spec)).sorted())
        }
    }
}

enum TraceReplay {
    /// Nominal device memory per model; the trace gives none and sharing pods take memory in proportion to
    /// cores, so it only shows up in allocation records.
    static func memoryMiB(_ model: String) -> Int {
        switch model {
        case "V100M32": return 32768
        case "A10": return 24576
        case "G3": return 49152
        case "G2": return 32768
        default: return 16384
        }
    }

    /// Node specs with the seeded 4-digit name prefix of the published simulator, so that "first node name
    /// among equal scores" is a seeded random order, as in the published runs.
    /// `order` other than "seeded" replaces the prefix by the node's position in that order: "trace" (file
    /// order), "small-first" or "large-first" (by device count, seeded order within a count).
    static func cluster(_ nodes: [TraceNode], seed: UInt64, order: String = "seeded") -> [NodeSpec] {
        var rng = SeededRandom.stream(seed, 2)
        var names = nodes.map { String(format: "%04d-", Int(rng.next() % 10_000)) + $0.name }
        if order != "seeded" {
            var idx = Array(nodes.indices).sorted { names[$0] < names[$1] }
            switch order {
            case "trace": idx = Array(nodes.indices)
            case "small-first": idx.sort { (nodes[$0].gpus, names[$0]) < (nodes[$1].gpus, names[$1]) }
            case "large-first": idx.sort { (-nodes[$0].gpus, names[$0]) < (-nodes[$1].gpus, names[$1]) }
            default: break
            }
            for (pos, i) in idx.enumerated() { names[i] = String(format: "%05d-", pos) + nodes[i].name }
        }
        return nodes.indices.map { k in
            let n = nodes[k]
            let name = names[k]
            let devices = (0..<n.gpus).map { i in
                DeviceSpec(id: "\(name)/gpu\(i)", index: i, vendor: "gpu", model: n.model, memoryMiB: memoryMiB(n.model),
                           cores: 100, maxSlices: 100)
            }
            return NodeSpec(name: name, cpuMilli: n.cpuMilli, memoryBytes: n.memoryMiB << 20, maxPods: 110,
                            rack: "rack-\(n.model)", devices: devices)
        }
    }

    /// The arrival sequence for one seed: sorted by name, shuffled, then sampled with replacement up to
    /// (stopping at the first pod that would cross) or randomly thinned down to `ratio` × capacity.
    static func sequence(_ pods: [TracePod], capacityMilli: Int64, seed: UInt64, ratio: Double = 1.3) -> [TracePod] {
        var rng = SeededRandom.stream(seed, 1)
        var seq = pods.sorted { $0.name < $1.name }
        seq.shuffle(using: &rng)
        let target = Int64((Double(capacityMilli) * ratio).rounded())
        var total = seq.reduce(Int64(0)) { $0 + $1.demandMilli }
        if total < target {
            guard pods.contains(where: { $0.demandMilli > 0 }) else { return seq }
            let source = pods.sorted { $0.name < $1.name }
            while true {
                let p = source[Int(rng.next() % UInt64(source.count))]
                if total + p.demandMilli > target { break }
                seq.append(p)
                total += p.demandMilli
            }
        } else {
            while total > target, !seq.isEmpty {
                let i = Int(rng.next() % UInt64(seq.count))
                total -= seq[i].demandMilli
                seq.remove(at: i)
            }
        }
        return seq
    }
}
