// The demand mix learned online from the pods the scheduler sees, as a live scheduler must (it cannot read
// the future trace): slice sizes, and how much CPU and memory device-asking pods bring per device unit.
// The fragmentation score judges what capacity this mix could not use.

import Foundation

public struct ShapeDistribution: Sendable {
    /// A pod shape as the mix counts it (memory is left out: it varies too finely to group).
    public struct Shape: Hashable, Sendable, CustomStringConvertible {
        public var cpuMilli: Int64
        public var sliceCount: Int
        public var sliceCores: Int
        public var wholeDevices: Int

        public var description: String {
            var parts: [String] = []
            if wholeDevices > 0 { parts.append("\(wholeDevices) whole") }
            if sliceCount > 0 { parts.append("\(sliceCount)×\(sliceCores)%") }
            if parts.isEmpty { parts.append("no devices") }
            return parts.joined(separator: " + ") + ", \(cpuMilli)m cpu"
        }
    }

    /// Observations older than this many newer ones count half (nil: never forget). Lets a live cluster track
    /// a drifting mix; a stationary benchmark needs none.
    public var halfLife: Double?
    /// Cap on distinct shapes remembered (the rarest are dropped first), so memory stays bounded.
    public var maxShapes: Int

    public private(set) var observations = 0.0
    /// Weight of slices per cores percent (index 1...100).
    private var sliceWeight = [Double](repeating: 0, count: 101)
    /// `needsMore[h]` = weight of slices needing more than h percent cores.
    private var needsMore = [Double](repeating: 0, count: 101)
    private var sliceTotal = 0.0
    private var deviceUnits = 0.0
    private var deviceCPU = 0.0
    private var deviceMemory = 0.0
    private var shapes: [Shape: Double] = [:]

    public init(halfLife: Double? = nil, maxShapes: Int = 512) {
        self.halfLife = halfLife.flatMap { $0 > 0 && $0.isFinite ? $0 : nil }
        self.maxShapes = max(1, maxShapes)
    }

    public mutating func observe(_ r: PodRequest) {
        if let h = halfLife { decay(by: pow(0.5, 1 / h)) }
        observations += 1
        if let s = r.slices, s.cores >= 1, s.cores <= 100 {
            let w = Double(max(1, s.count))
            sliceWeight[s.cores] += w
            sliceTotal += w
            for h in 0..<s.cores { needsMore[h] += w }
        }
        let units = r.deviceUnits
        if units > 0 {
            deviceUnits += units
            deviceCPU += Double(max(0, r.cpuMilli))
            deviceMemory += Double(max(0, r.memoryBytes))
        }
        let key = Shape(cpuMilli: r.cpuMilli, sliceCount: r.slices?.count ?? 0, sliceCores: r.slices?.cores ?? 0,
                        wholeDevices: r.wholeDeviceCount)
        shapes[key, default: 0] += 1
        if shapes.count > maxShapes, let rarest = shapes.min(by: { $0.value < $1.value || ($0.value == $1.value && $0.key.cpuMilli < $1.key.cpuMilli) }) {
            shapes.removeValue(forKey: rarest.key)
        }
    }

    private mutating func decay(by f: Double) {
        observations *= f
        sliceTotal *= f
        deviceUnits *= f
        deviceCPU *= f
        deviceMemory *= f
        for i in 0...100 {
            sliceWeight[i] *= f
            needsMore[i] *= f
        }
        shapes = shapes.mapValues { $0 * f }
    }

    /// Mean CPU (milli) that device-asking pods bring per device unit; nil before any was seen.
    public var cpuMilliPerDevice: Double? { deviceUnits > 0 && deviceCPU > 0 ? deviceCPU / deviceUnits : nil }
    /// Mean memory (bytes) per device unit; nil before any was seen.
    public var memoryBytesPerDevice: Double? { deviceUnits > 0 && deviceMemory > 0 ? deviceMemory / deviceUnits : nil }

    /// Probability that the next slice needs more than `freeCores` percent.
    public func probabilityNeedsMore(than freeCores: Int) -> Double {
        guard sliceTotal > 0 else { return 0 }
        if freeCores < 0 { return 1 }
        if freeCores >= 100 { return 0 }
        return min(1, needsMore[freeCores] / sliceTotal)
    }

    /// Expected dead share, in percent of a device, of a partly used device with `freeCores` free: the free
    /// share times the chance that the next slice is too big for it. A full or an idle device has none.
    public func deadShare(freeCores: Int) -> Double {
        guard freeCores > 0 && freeCores < 100 else { return 0 }
        return Double(freeCores) * probabilityNeedsMore(than: freeCores)
    }

    /// The most common shapes covering `coverage` of the remembered pods, most common first, with their share.
    public func commonShapes(coverage: Double = 0.95) -> [(shape: Shape, share: Double)] {
        let total = shapes.values.reduce(0, +)
        guard total > 0 else { return [] }
        let sorted = shapes.sorted {
            $0.value != $1.value ? $0.value > $1.value
                : ($0.key.wholeDevices, $0.key.sliceCores, $0.key.cpuMilli) < ($1.key.wholeDevices, $1.key.sliceCores, $1.key.cpuMilli)
        }
        var out: [(Shape, Double)] = []
        var cum = 0.0
        for (k, v) in sorted where cum < coverage * total {
            out.append((k, v / total))
            cum += v
        }
        return out
    }
}
