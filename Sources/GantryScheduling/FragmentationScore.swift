// Fragmentation-aware score: how much device capacity the learned demand mix could no longer use if the pod
// went here. Capacity is stranded two ways: (1) a partly used device's remainder too small for the slices
// that come (expected dead share, from the learned slice sizes), and (2) free devices on a node whose free
// CPU or memory cannot feed them at the CPU and memory per device unit that device pods bring (learned).
// FGD (ATC '23) measures (1) only, ignores memory and treats CPU per shape; on the Alibaba trace the
// starved capacity of (2) is most of what FGD leaves idle that a better placement could use
// (docs/benchmarks.md). Placements that strand nothing tie exactly, so the stable first-fit order decides.

import Foundation

extension LedgerNode {
    /// Free device units on healthy devices not held whole (a 25 % free device counts 0.25).
    public var freeDeviceUnits: Double {
        var free = 0
        for d in devices where d.healthy && !d.exclusive { free += max(0, d.freeCores) }
        return Double(free) / 100
    }

    /// Device units the mix could not use for lack of CPU or memory: free devices beyond what the free CPU
    /// and memory feed at the mix's per-device-unit ratios.
    static func starved(freeUnits: Double, cpuFree: Int64, memoryFree: Int64, demand: ShapeDistribution) -> Double {
        guard freeUnits > 0 else { return 0 }
        var fed = Double.infinity
        if let cpu = demand.cpuMilliPerDevice { fed = min(fed, Double(max(0, cpuFree)) / cpu) }
        if let mem = demand.memoryBytesPerDevice { fed = min(fed, Double(max(0, memoryFree)) / mem) }
        return max(0, freeUnits - fed)
    }

    /// Growth, in device units, of stranded capacity if `r` is placed with assignment `a` (negative when the
    /// pod un-strands capacity, e.g. a CPU-light pod on a CPU-starved node). `freeUnits` is `freeDeviceUnits`.
    public func strandedGrowth(_ r: CompiledRequest, _ a: DeviceAssignment, demand: ShapeDistribution, freeUnits: Double) -> Double {
        var taken = 0
        for i in a.whole where i < devices.count { taken += max(0, devices[i].freeCores) }
        var dead = 0.0
        for i in a.slices where i < devices.count {
            let free = devices[i].freeCores
            taken += Int(r.sliceCores)
            dead += demand.deadShare(freeCores: free - Int(r.sliceCores)) - demand.deadShare(freeCores: free)
        }
        let before = Self.starved(freeUnits: freeUnits, cpuFree: cpuFree, memoryFree: memoryFree, demand: demand)
        let after = Self.starved(freeUnits: freeUnits - Double(taken) / 100, cpuFree: cpuFree - r.cpu,
                                 memoryFree: memoryFree - r.memory, demand: demand)
        return (after - before) + dead / 100
    }

    /// 0...10: 5 when nothing is stranded or freed, falling towards 0 as placement strands capacity
    /// (about 1.2 per whole device stranded), rising towards 10 as it frees stranded capacity.
    public static func fragmentationScore(strandedGrowth g: Double) -> Double {
        guard g.isFinite else { return g > 0 ? 0 : 10 }
        return 5 * (1 - tanh(g))
    }
}
